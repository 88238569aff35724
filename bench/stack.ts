import { randomUUID } from 'node:crypto';
import type { FleetHost } from '../agents/agent.js';
import { AGENTS } from '../agents/index.js';
import { openBot, openFleet, openRedis, openShared, settle, startAgents, startDiscord, type Bot, type Shared } from '../bot/roots.js';
import { Stack } from '../bot/stack.js';
import { loadConfig, type Config } from '../config/index.js';
import { createLogger } from '../telemetry/logger.js';
import { clientOptionsFor, type FakeDiscord, type FakeGuild } from '../tests/support/fake-discord/index.js';

/**
 * What every benchmark measures against: fleetbot as `fleetbot up` runs it — embedded Redis (or REDIS_URL) under a
 * prefix of its own, the default fleet, every agent, the bot — and, given a fake Discord, its Discord transport.
 */

export interface BenchStack {
  config: Config;
  stack: Stack;
  shared: Shared;
  fleet: FleetHost;
  bot: Bot;
}

export async function startBenchStack(
  adjust: (config: Config) => Config = (c) => c,
  discord?: { fake: Pick<FakeDiscord, 'token' | 'apiUrl'>; guild: FakeGuild },
): Promise<BenchStack> {
  const base = loadConfig();
  let config = adjust({ ...base, redis: { ...base.redis, prefix: `fbbench-${randomUUID().slice(0, 8)}` } });
  if (discord) {
    const { fake, guild } = discord;
    config = {
      ...config,
      discord: {
        token: fake.token,
        guildId: guild.id,
        apiUrl: fake.apiUrl,
        grants: { admin: { roles: [], users: [] }, operate: { roles: [], users: [] }, read: { roles: [], users: [] } },
        defaultPermission: 'read',
        channels: {},
        chatChannels: [],
      },
    };
  }
  const stack = new Stack(createLogger({ level: 'error' }));
  try {
    const shared = openShared(stack, await openRedis(stack, config, { embedded: true }));
    const fleet = await openFleet(stack, config, shared.hub);
    const agents = startAgents(stack, AGENTS.map((a) => a.name), config, shared, fleet);
    const bot = await openBot(stack, config, shared);
    await settle(agents, 15_000);
    if (discord) await startDiscord(stack, config, shared, bot, { ws: clientOptionsFor(discord.fake).ws });
    return { config, stack, shared, fleet, bot };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
