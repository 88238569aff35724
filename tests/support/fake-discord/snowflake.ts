/** Discord-shaped ids: milliseconds since Discord's epoch shifted left 22 bits, so they sort by creation time. */

const DISCORD_EPOCH = 1_420_070_400_000n;
let last = 0n;

/** Unique within the process (two fakes in one test file never share an id) and strictly increasing. */
export function snowflake(): string {
  const fromClock = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
  last = fromClock > last ? fromClock : last + 1n;
  return last.toString();
}
