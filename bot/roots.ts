import path from 'node:path';
import { defiRuntime } from '../agents/defi-runtime.js';
import { AGENTS, type AgentDeps, type FleetHost, type RunningAgent } from '../agents/index.js';
import { listAgents } from '../agents/heartbeat.js';
import { loadCommands } from '../commands/index.js';
import type { Config, EnvConfig } from '../config/index.js';
import { ProcessBackend } from '../mcp-fleet/backends/process.js';
import { HealthStore } from '../mcp-fleet/health.js';
import { McpPool } from '../mcp-fleet/pool.js';
import { RedisHub } from '../queues/connection.js';
import { startEmbeddedRedis } from '../queues/embedded-redis.js';
import { defiQueue, executeQueue, riskQueue } from '../queues/defi.js';
import { notifyQueue } from '../queues/notify.js';
import { opsQueue } from '../queues/ops.js';
import { QueueClient } from '../queues/typed-queue.js';
import { AuditLog } from '../security/audit.js';
import { consoleNotices, runConsole } from './console/transport.js';
import { Dispatcher } from './dispatch.js';
import type { Stack } from './stack.js';

/**
 * Composition roots: the pieces of fleetbot wired together for each way it runs — everything in one process
 * (`up`), the bot alone, or some agents alone. Each piece registers on the Stack how to stop it.
 */

/** Redis: the configured one, or (for `up` only) an embedded redis-server. */
export async function openRedis(stack: Stack, config: EnvConfig, { embedded }: { embedded: boolean }): Promise<RedisHub> {
  let url = config.redis.url;
  if (!url) {
    if (!embedded) throw new Error('set REDIS_URL: separate fleetbot processes meet through a shared Redis (only `fleetbot up` runs its own)');
    const redis = await startEmbeddedRedis(config.home, stack.log);
    stack.defer('embedded redis', () => redis.stop());
    url = redis.url;
  }
  const hub = new RedisHub(url, config.redis.prefix);
  stack.defer('redis connections', () => hub.close());
  await hub.client.ping();
  return hub;
}

/** The fleet as run by this process: backend, MCP pool, every member started in dependency order. */
export async function openFleet(stack: Stack, config: Config, hub: RedisHub): Promise<FleetHost> {
  const members = config.manifest.members;
  const backend = new ProcessBackend({
    members,
    // REDIS_URL may be the embedded server's, known only now.
    vars: { ...config.vars, REDIS_URL: hub.url, REDIS_PREFIX: hub.prefix },
    cwd: path.dirname(config.fleetFile),
    log: stack.log.child('fleet'),
  });
  stack.defer('fleet members', () => backend.close());
  const pool = new McpPool(backend, members, { log: stack.log.child('mcp') });
  stack.defer('mcp sessions', () => pool.close());
  await backend.startAll();
  return { members, backend, pool };
}

export function startAgents(stack: Stack, names: string[], deps: AgentDeps): RunningAgent[] {
  return names.map((name) => {
    const definition = AGENTS.find((a) => a.name === name);
    if (!definition) throw new Error(`unknown agent "${name}"; agents: ${AGENTS.map((a) => a.name).join(', ')}`);
    const agent = definition.start({ ...deps, log: deps.log.child(name) });
    stack.defer(`agent ${name}`, () => agent.stop());
    return agent;
  });
}

export function notifyClient(stack: Stack, hub: RedisHub) {
  const notify = new QueueClient(notifyQueue, hub);
  stack.defer('notify queue', () => notify.close());
  return notify;
}

export async function openDispatcher(stack: Stack, config: Config, hub: RedisHub): Promise<Dispatcher> {
  const ops = new QueueClient(opsQueue, hub);
  stack.defer('ops queue', () => ops.close());
  const notify = notifyClient(stack, hub);
  const defi = { scanner: new QueueClient(defiQueue, hub), risk: new QueueClient(riskQueue, hub), execute: new QueueClient(executeQueue, hub) };
  stack.defer('defi queues', () => Promise.all(Object.values(defi).map((q) => q.close())));
  return new Dispatcher({
    commands: await loadCommands(),
    members: config.manifest.members,
    ops,
    defi,
    audit: new AuditLog(hub, (entry) => notify.add('audit', entry)),
    agents: () => listAgents(hub),
    timeoutMs: config.opsTimeoutMs,
    log: stack.log.child('bot'),
  });
}

/** The console chat until end of input, with alerts shown in a terminal. */
export async function runConsoleChat(stack: Stack, config: Config, hub: RedisHub, dispatcher: Dispatcher): Promise<void> {
  const interactive = process.stdin.isTTY === true;
  const notices = consoleNotices(hub, stack.log.child('notices'), process.stdout, interactive);
  stack.defer('console notices', () => notices.close());
  await runConsole({
    dispatcher,
    caller: { id: `console:${process.pid}`, name: 'console', permission: config.console.permission, via: 'console' },
  });
}

/** Waits for the agents' first round (every member checked), but never longer than `limitMs`. */
export async function settle(agents: RunningAgent[], limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(agents.map((a) => a.ready)),
    new Promise((resolve) => (timer = setTimeout(resolve, limitMs))),
  ]);
  clearTimeout(timer);
}

export function fleetDeps(stack: Stack, config: EnvConfig, hub: RedisHub, fleet: FleetHost): AgentDeps {
  const defi = defiRuntime(config.defi, stack.log.child('defi'));
  stack.defer('defi engine', () => defi.close());
  return { hub, log: stack.log, fleet, health: new HealthStore(hub), notify: notifyClient(stack, hub), defi };
}
