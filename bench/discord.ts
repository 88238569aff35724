import { randomUUID } from 'node:crypto';
import { AGENTS } from '../agents/index.js';
import { openBot, openFleet, openRedis, openShared, settle, startAgents, startDiscord } from '../bot/roots.js';
import { Stack } from '../bot/stack.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../telemetry/logger.js';
import { clientOptionsFor, startFakeDiscord } from '../tests/support/fake-discord/index.js';
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
  const base = loadConfig();
  const config = {
    ...base,
    redis: { ...base.redis, prefix: `fbbench-${randomUUID().slice(0, 8)}` },
    discord: {
      token: fake.token,
      guildId: guild!.id,
      apiUrl: fake.apiUrl,
      grants: { admin: { roles: [], users: [] }, operate: { roles: [], users: [] }, read: { roles: [], users: [] } },
      defaultPermission: 'read' as const,
      channels: {},
      chatChannels: [],
    },
  };
  const stack = new Stack(createLogger({ level: 'error' }));
  try {
    const shared = openShared(stack, await openRedis(stack, config, { embedded: true }));
    const fleet = await openFleet(stack, config, shared.hub);
    const agents = startAgents(stack, AGENTS.map((a) => a.name), config, shared, fleet);
    const bot = await openBot(stack, config, shared);
    await settle(agents, 15_000);
    await startDiscord(stack, config, shared, bot, { ws: clientOptionsFor(fake).ws });

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
