import { startFakeDiscord } from '../tests/support/fake-discord/index.js';
import { startBenchStack } from './stack.js';
import { figures, row } from './stats.js';

/**
 * Slash commands through the real discord.js client and the local fake Discord, with the whole ops loop behind:
 * time from the interaction being dispatched to the first response (the deferral Discord wants within 3 s), and to
 * the final result (the edited reply). The fake stamps both on arrival.
 */

export async function benchDiscord(): Promise<string[]> {
  const fake = await startFakeDiscord();
  const [guild] = fake.guilds;
  const channel = guild!.channels[0]!.id;
  const user = guild!.members.find((m) => m.user.username === 'alice')!.user.id;
  const { stack } = await startBenchStack((c) => c, { fake, guild: guild! });
  try {
    const run = async (n: number, concurrency: number) => {
      const first: number[] = [];
      const final: number[] = [];
      let next = 0;
      const began = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < n) {
            const t = performance.now();
            const handle = fake.slash({ guildId: guild!.id, channelId: channel, userId: user, name: 'status' });
            first.push((await handle.response(10_000)).afterMs);
            await handle.waitForOriginal((m) => m.embeds.length > 0, 10_000);
            final.push(performance.now() - t);
          }
        }),
      );
      const wall = performance.now() - began;
      return { first: figures(first, wall), final: figures(final, wall) };
    };
    await run(50, 1);
    const sequential = await run(500, 1);
    const concurrent = await run(1000, 16);
    const late = fake.calls.filter((c) => c.status === 404 && c.path.startsWith('/interactions/')).length;
    return [
      row('/status first response (1 in flight)', sequential.first),
      row('/status final result (1 in flight)', sequential.final),
      row('/status first response (16 in flight)', concurrent.first),
      row('/status final result (16 in flight)', concurrent.final),
      `first response p99 ${sequential.first.p99.toFixed(2)} ms / ${concurrent.first.p99.toFixed(2)} ms (target < 100 ms); responses refused as late: ${late}`,
    ];
  } finally {
    await stack.stop();
    await fake.close();
  }
}
