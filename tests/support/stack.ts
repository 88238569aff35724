import path from 'node:path';
import { AGENTS } from '../../agents/index.js';
import { fleetDeps, openDispatcher, openFleet, openRedis, settle, startAgents } from '../../bot/roots.js';
import { Stack } from '../../bot/stack.js';
import { loadEnvConfig, type Config } from '../../config/index.js';
import type { Member } from '../../mcp-fleet/manifest.js';
import type { Caller } from '../../security/permissions.js';
import { createLogger } from '../../telemetry/logger.js';
import { ROOT } from './fleet.js';
import { dropHub, testHub, TEST_REDIS_URL } from './redis.js';

/** fleetbot wired by its own composition roots (as `fleetbot up` does), on real Redis under a unique prefix. */
export async function startStack(members: Member[], { agents = AGENTS.map((a) => a.name), opsTimeoutMs = 20_000 } = {}) {
  const scratch = testHub();
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: scratch.prefix, PATH: process.env.PATH, HOME: process.env.HOME };
  const config: Config = { ...loadEnvConfig(env, ROOT), opsTimeoutMs, fleetFile: path.join(ROOT, 'fleet.yaml'), manifest: { members } };
  const stack = new Stack(createLogger({ level: 'error' }));
  const hub = await openRedis(stack, config, { embedded: false });
  const fleet = agents.length ? await openFleet(stack, config, hub) : undefined;
  const running = fleet ? startAgents(stack, agents, fleetDeps(stack, config, hub, fleet)) : [];
  const dispatcher = await openDispatcher(stack, config, hub);
  await settle(running, 15_000);
  return {
    hub,
    fleet,
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
