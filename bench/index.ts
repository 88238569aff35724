import { benchArbitrage } from './arbitrage.js';
import { benchChat } from './chat.js';
import { benchDiscord } from './discord.js';
import { benchHealing } from './healing.js';
import { benchOpsLoop } from './ops-loop.js';
import { benchRedact } from './redact.js';

/** `npm run bench`: every benchmark, figures and ratios measured in the same run. Not part of the tests. */

const benches: [string, () => Promise<string[]>][] = [
  ['ops loop', benchOpsLoop],
  ['Discord (real discord.js client, local fake Discord)', benchDiscord],
  ['chat (real ChatOpenAI client, local fake model answering at once)', benchChat],
  ['arbitrage engine', benchArbitrage],
  ['redaction (every reply and log line)', benchRedact],
  ['self-healing (kill → restart → healthy → notice)', benchHealing],
];

for (const [name, run] of benches) {
  process.stdout.write(`\n== ${name}\n`);
  for (const line of await run()) process.stdout.write(`${line}\n`);
}
process.exit(0);
