import path from 'node:path';
import type { AgentDefinition } from '../../agents/agent.js';
import { AGENTS } from '../../agents/index.js';
import { openBot, openFleet, openRedis, openShared, settle, startAgents } from '../../bot/roots.js';
import { Stack } from '../../bot/stack.js';
import { loadEnvConfig, type Config } from '../../config/index.js';
import type { Member } from '../../config/manifest.js';
import type { Caller } from '../../security/permissions.js';
import { createLogger } from '../../telemetry/logger.js';
import { ROOT } from './fleet.js';
import { dropHub, testHub, TEST_REDIS_URL } from './redis.js';

/** fleetbot wired by its own composition roots (as `fleetbot up` does), on real Redis under a unique prefix. */
export async function startStack(
  members: Member[],
  {
    agents = AGENTS.map((a) => a.name),
    opsTimeoutMs = 20_000,
    redisUrl = TEST_REDIS_URL,
    env: extra = {},
    definitions = AGENTS,
  }: { agents?: string[]; opsTimeoutMs?: number; redisUrl?: string; env?: Record<string, string>; definitions?: readonly AgentDefinition[] } = {},
) {
  const scratch = testHub(redisUrl);
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: scratch.prefix, PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  const config: Config = { ...loadEnvConfig(env, ROOT), opsTimeoutMs, fleetFile: path.join(ROOT, 'fleet.yaml'), manifest: { members } };
  const stack = new Stack(createLogger({ level: 'error' }));
  const shared = openShared(stack, await openRedis(stack, config, { embedded: false }));
  const { hub } = shared;
  const fleet = agents.length ? await openFleet(stack, config, hub) : undefined;
  const running = startAgents(stack, agents, config, shared, fleet, definitions);
  const bot = await openBot(stack, config, shared);
  const { dispatcher } = bot;
  await settle(running, 15_000);
  return {
    hub,
    fleet,
    shared,
    bot,
    stack,
    dispatcher,
    config,
    async stop() {
      await stack.stop();
      await dropHub(scratch);
    },
  };
}

export const operator: Caller = { id: 'u-ops', name: 'olga', permission: 'operate', via: 'console' };
export const reader: Caller = { id: 'u-read', name: 'rita', permission: 'read', via: 'console' };
