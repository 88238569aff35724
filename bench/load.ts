import { startFakeDiscord } from '../tests/support/fake-discord/index.js';
import { snowflake } from '../tests/support/fake-discord/snowflake.js';
import { startBenchStack } from './stack.js';
import { figures, row } from './stats.js';

/**
 * Load: many people sending slash commands at once, through the real discord.js client and the local fake Discord,
 * for a while, with the whole stack behind (default fleet, embedded Redis). Each person sends `/status` and waits
 * for the answer before the next (a closed loop). Reports latency to the first response and to the final answer,
 * throughput, errors, initial responses later than Discord's 3 s (the fake refuses those), and the bot process's
 * memory at the start and at the end.
 * `npm run bench:load` (LOAD_USERS, LOAD_SECONDS to change the defaults of 200 people for 60 s).
 */

export async function benchLoad(users = 200, seconds = 60): Promise<string[]> {
  const people = Array.from({ length: users }, (_, i) => ({ id: snowflake(), username: `user${i}` }));
  const guild = { id: snowflake(), name: 'load', channels: [{ id: snowflake(), name: 'ops' }], roles: [], members: people.map((user) => ({ user, roles: [] })) };
  const fake = await startFakeDiscord({ guilds: [guild] });
  // Each person stays far below the per-user limit; the limit is not what is measured here.
  const { stack } = await startBenchStack((c) => ({ ...c, rateLimits: { commands: 10_000, chat: 10_000 } }), { fake, guild });
  try {
    global.gc?.();
    const rssStart = process.memoryUsage().rss;

    const first: number[] = [];
    const final: number[] = [];
    let errors = 0;
    let late = 0;
    const until = Date.now() + seconds * 1000;
    const began = performance.now();
    await Promise.all(
      people.map(async (person) => {
        while (Date.now() < until) {
          const t = performance.now();
          const handle = fake.slash({ guildId: guild.id, channelId: guild.channels[0]!.id, userId: person.id, name: 'status' });
          try {
            first.push((await handle.response(10_000)).afterMs);
            const answer = await handle.waitForOriginal((m) => m.embeds.length > 0, 30_000);
            if (!answer.embeds[0].title.startsWith('fleet:')) errors++;
            final.push(performance.now() - t);
          } catch {
            errors++;
          }
          late += handle.rejected().filter((r) => r.code === 10062).length;
        }
      }),
    );
    const wall = performance.now() - began;
    global.gc?.();
    const rssEnd = process.memoryUsage().rss;
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
    return [
      `${users} people, ${seconds} s, each sending /status and waiting for the answer`,
      row('first response (the 3 s deadline)', figures(first, wall)),
      row('final answer', figures(final, wall)),
      `errors ${errors}, initial responses later than 3 s: ${late}`,
      `bot process memory (RSS): ${mb(rssStart)} at the start, ${mb(rssEnd)} at the end`,
    ];
  } finally {
    await stack.stop();
    await fake.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = await benchLoad(Number(process.env.LOAD_USERS ?? 200), Number(process.env.LOAD_SECONDS ?? 60));
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(0);
}
