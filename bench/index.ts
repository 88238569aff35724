import { benchArbitrage } from './arbitrage.js';
import { benchChat } from './chat.js';
import { benchDiscord } from './discord.js';
import { benchFleetScale, benchIdle81 } from './fleet-scale.js';
import { benchHealing } from './healing.js';
import { benchOpsLoop, benchOpsLoop81 } from './ops-loop.js';
import { benchRedact } from './redact.js';
import { benchStartUp } from './start-up.js';
import { benchSwarm } from './swarm.js';

/**
 * `npm run bench`: every benchmark, figures and ratios measured in the same run. Not part of the tests.
 * `npm run bench -- start-up up` runs only the parts named.
 */

const benches: [string, string, () => Promise<string[]>][] = [
  ['start-up', 'start-up: a member server vs a bare MCP SDK server; health-check CPU', () => benchStartUp(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379')],
  ['up', 'fleetbot up: first answer, idle CPU and memory at 9, 21 and 81 members', () => benchFleetScale()],
  ['idle-81', 'fleets/stress-81.yaml idle for FLEETBOT_IDLE_MINUTES (10): members ever unhealthy, CPU', () => benchIdle81()],
  ['ops', 'ops loop, default fleet (9)', () => benchOpsLoop()],
  ['ops-81', 'ops loop, fleets/stress-81.yaml (and its /status against the default fleet of this run)', () => benchOpsLoop81()],
  ['discord', 'Discord (real discord.js client, local fake Discord)', benchDiscord],
  ['chat', 'chat (real ChatOpenAI client, local fake model answering at once)', benchChat],
  ['arbitrage', 'arbitrage engine', benchArbitrage],
  ['redact', 'redaction (every reply and log line)', benchRedact],
  ['healing', 'self-healing (kill → restart → healthy → notice)', benchHealing],
  ['swarm', 'Docker Swarm (replicas on a two-node swarm)', benchSwarm],
];

const only = process.argv.slice(2);
for (const [key, name, run] of benches) {
  if (only.length && !only.includes(key)) continue;
  process.stdout.write(`\n== ${name}\n`);
  for (const line of await run()) process.stdout.write(`${line}\n`);
}
process.exit(0);
