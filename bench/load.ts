import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFakeDiscord, type FakeGuild } from '../tests/support/fake-discord/index.js';
import { snowflake } from '../tests/support/fake-discord/snowflake.js';
import { startBenchStack } from './stack.js';
import { figures, row } from './stats.js';

/**
 * Load: many people sending slash commands at once, through the real discord.js client and the local fake Discord,
 * for a while, with the whole stack behind (default fleet, embedded Redis). Each person sends `/status` and waits
 * for the answer before the next (a closed loop). Reports latency to the first response and to the final answer,
 * throughput, errors, initial responses later than Discord's 3 s (the fake refuses those), and the bot process's
 * memory through the run. The people and the fake Discord (which keeps every message and call) run in a child
 * process, so the memory measured is fleetbot's alone.
 * `npm run bench:load` (LOAD_USERS, LOAD_SECONDS to change the defaults of 200 people for 60 s).
 */

type Ready = { kind: 'ready'; token: string; apiUrl: string; guild: FakeGuild };
type Done = { kind: 'done'; first: number[]; final: number[]; errors: number; late: number; wallMs: number };

function next<T extends { kind: string }>(child: ChildProcess, kind: T['kind']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.kind !== kind) return;
      child.off('message', onMessage).off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`the load driver exited (${code}) before "${kind}"`));
    child.on('message', onMessage).once('exit', onExit);
  });
}

export async function benchLoad(users = 200, seconds = 60): Promise<string[]> {
  const driver = fork(fileURLToPath(import.meta.url), ['--driver', String(users), String(seconds)], { execArgv: [] });
  try {
    const { token, apiUrl, guild } = await next<Ready>(driver, 'ready');
    // Each person stays far below the per-user limit; the limit is not what is measured here.
    const { stack } = await startBenchStack((c) => ({ ...c, rateLimits: { commands: 10_000, chat: 10_000 } }), { fake: { token, apiUrl }, guild });
    try {
      const memory = () => {
        global.gc?.();
        const { rss, heapUsed } = process.memoryUsage();
        return { rss, heapUsed };
      };
      const start = memory();
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 10_000);
      driver.send('go');
      const done = await next<Done>(driver, 'done');
      clearInterval(sampler);
      const end = memory();
      const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
      return [
        `${users} people, ${seconds} s, each sending /status and waiting for the answer`,
        row('first response (the 3 s deadline)', figures(done.first, done.wallMs)),
        row('final answer', figures(done.final, done.wallMs)),
        `errors ${done.errors}, initial responses later than 3 s: ${done.late}`,
        `bot process memory after GC: RSS ${mb(start.rss)} at the start, ${mb(end.rss)} at the end (${(end.rss / start.rss).toFixed(2)}×); heap in use ${mb(start.heapUsed)} → ${mb(end.heapUsed)}`,
        ...(samples.length ? [`RSS every 10 s: ${samples.map(mb).join(", ")}`] : []),
      ];
    } finally {
      await stack.stop();
    }
  } finally {
    driver.kill();
  }
}

/** The child: the fake Discord and the people, told when to start by the bot's process. */
async function drive(users: number, seconds: number): Promise<void> {
  const people = Array.from({ length: users }, (_, i) => ({ id: snowflake(), username: `user${i}` }));
  const guild = { id: snowflake(), name: 'load', channels: [{ id: snowflake(), name: 'ops' }], roles: [], members: people.map((user) => ({ user, roles: [] })) };
  const fake = await startFakeDiscord({ guilds: [guild] });
  const go = new Promise((resolve) => process.once('message', resolve));
  process.send!({ kind: 'ready', token: fake.token, apiUrl: fake.apiUrl, guild } satisfies Ready);
  await go;
  await fake.ready();
  const done: Done = { kind: 'done', first: [], final: [], errors: 0, late: 0, wallMs: 0 };
  const until = Date.now() + seconds * 1000;
  const began = performance.now();
  await Promise.all(
    people.map(async (person) => {
      while (Date.now() < until) {
        const t = performance.now();
        const handle = fake.slash({ guildId: guild.id, channelId: guild.channels[0]!.id, userId: person.id, name: 'status' });
        try {
          done.first.push((await handle.response(10_000)).afterMs);
          const answer = await handle.waitForOriginal((m) => m.embeds.length > 0, 30_000);
          if (!answer.embeds[0].title.startsWith('fleet:')) done.errors++;
          done.final.push(performance.now() - t);
        } catch {
          done.errors++;
        }
        done.late += handle.rejected().filter((r) => r.code === 10062).length;
      }
    }),
  );
  done.wallMs = performance.now() - began;
  process.send!(done, () => void fake.close().then(() => process.exit(0)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--driver') {
    await drive(Number(process.argv[3]), Number(process.argv[4]));
  } else {
    const lines = await benchLoad(Number(process.env.LOAD_USERS ?? 200), Number(process.env.LOAD_SECONDS ?? 60));
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exit(0);
  }
}
