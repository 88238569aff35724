import { randomBytes } from 'node:crypto';
import { JOB_GRACE_MS } from '../queues/stopping.js';
import path from 'node:path';
import { defiRuntime } from '../defi/runtime.js';
import { HealState } from '../state/heal-state.js';
import { autoExecutes } from '../agents/scanner.js';
import { listAgents } from '../state/heartbeats.js';
import type { AgentDefinition, AgentDeps, FleetHost, RunningAgent } from '../agents/agent.js';
import { hostAgents } from '../agents/host.js';
import { AGENTS } from '../agents/index.js';
import { loadCommands } from '../commands/index.js';
import type { DefiClients } from '../commands/index.js';
import { notifyRoutes, type Config, type EnvConfig } from '../config/index.js';
import type { FleetBackend } from '../mcp-fleet/backends/index.js';
import { ProcessBackend } from '../mcp-fleet/backends/process.js';
import { HealthStore } from '../state/health.js';
import { McpPool } from '../mcp-fleet/pool.js';
import { RedisHub } from '../redis/hub.js';
import { startEmbeddedRedis } from '../mcp-fleet/embedded-redis.js';
import { AgentControl } from '../queues/agent-control.js';
import { defiQueue, executeQueue, riskQueue } from '../queues/defi.js';
import { notifyQueue } from '../queues/notify.js';
import { opsQueue } from '../queues/ops.js';
import { QueueClient } from '../queues/typed-queue.js';
import { AuditLog } from '../security/audit.js';
import { SilenceStore } from '../state/silences.js';
import { RateLimiter } from '../security/rate-limit.js';
import { ChatMemory } from './chat/memory.js';
import { ChatService } from './chat/index.js';
import { Confirmations } from './confirmations.js';
import { ConsoleSink } from './console/sink.js';
import { runConsole } from './console/transport.js';
import type { DiscordSink } from './discord/sink.js';
import type { DiscordTransport, DiscordTransportOptions } from './discord/transport.js';
import { FleetView } from './dashboard/fleet-view.js';
import { startDashboard } from './dashboard/server.js';
import { FleetWatch } from './dashboard/watch.js';
import { Dispatcher } from './dispatch.js';
import { AlertBook } from './notifier/alert-book.js';
import { startMetricsDigest } from './metrics-digest.js';
import { Notifier, type NoticeSink } from './notifier/index.js';
import type { Stack } from './stack.js';
import type { Roads } from './surface.js';
import { ToolCatalog } from './tool-catalog.js';

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
    // Last of all: everything else may still be writing to it.
    stack.defer('embedded redis', () => redis.stop(), { boundMs: 6000 });
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
  // REDIS_URL may be the embedded server's, known only now.
  const vars = { ...config.vars, REDIS_URL: hub.url, REDIS_PREFIX: hub.prefix };
  const log = stack.log.child('fleet');
  // Docker's backends are loaded only when chosen: the Docker client library is large, and most runs never need it.
  const backend: FleetBackend =
    config.fleetBackend === 'docker'
      ? new (await import('../mcp-fleet/backends/docker.js')).DockerBackend({ members, vars, connection: config.docker, fleet: hub.prefix, log })
      : config.fleetBackend === 'swarm'
        ? new (await import('../mcp-fleet/backends/swarm.js')).SwarmBackend({ members, vars, connection: config.docker, fleet: hub.prefix, log })
        : new ProcessBackend({ members, vars, cwd: path.dirname(config.fleetFile), log, home: config.home });
  const pool = new McpPool(backend, members, { log: stack.log.child('mcp') });
  // Unwound in reverse: members stop (dependents first), then the MCP clients close.
  stack.defer('mcp sessions', () => pool.close(), { boundMs: 2000 });
  stack.defer('fleet members', () => backend.close(), { boundMs: 6000 });
  // From the first moment of the shutdown, nothing is started or restarted: a member going now is not healed.
  stack.stopping.addEventListener('abort', () => backend.quiesce(), { once: true });
  await backend.startAll();
  return { members, backend, pool };
}

/** The queues and stores every part of a fleetbot process shares. */
export interface Shared {
  hub: RedisHub;
  ops: QueueClient<typeof opsQueue.jobs>;
  notify: QueueClient<typeof notifyQueue.jobs>;
  /** The DeFi agents' queues (scanner, risk, executor). */
  defi: DefiClients;
  audit: AuditLog;
  /** Restarts of agents, sent to the process that runs each. */
  control: AgentControl;
}

export function openShared(stack: Stack, hub: RedisHub): Shared {
  const ops = new QueueClient(opsQueue, hub);
  stack.defer('ops queue', () => ops.close());
  const notify = new QueueClient(notifyQueue, hub);
  stack.defer('notify queue', () => notify.close());
  const defi = { scanner: new QueueClient(defiQueue, hub), risk: new QueueClient(riskQueue, hub), execute: new QueueClient(executeQueue, hub) };
  stack.defer('defi queues', () => Promise.all(Object.values(defi).map((q) => q.close())));
  const control = new AgentControl(hub);
  stack.defer('agent control', () => control.close());
  return { hub, ops, notify, defi, control, audit: new AuditLog(hub, (entry) => notify.add('audit', entry)) };
}

/**
 * Starts agents by name, hosted by this process (agents/host.ts: `/restart agent <name>` reaches them here); those
 * that need the fleet get it (and fail clearly where it does not run). `definitions` is the registry to pick from.
 */
export function startAgents(stack: Stack, names: string[], config: Config, shared: Shared, fleet?: FleetHost, definitions: readonly AgentDefinition[] = AGENTS): RunningAgent[] {
  const chosen = names.map((name) => {
    const definition = definitions.find((a) => a.name === name);
    if (!definition) throw new Error(`unknown agent "${name}"; agents: ${definitions.map((a) => a.name).join(', ')}`);
    return definition;
  });
  // Opened lazily by the agents that use it, so a session without a chain stays quiet.
  const defi = defiRuntime(config.defi, stack.log.child('defi'));
  stack.defer('defi engine', () => defi.close());
  const deps: AgentDeps = {
    hub: shared.hub,
    log: stack.log,
    members: config.manifest.members,
    fleet,
    health: new HealthStore(shared.hub),
    notify: shared.notify,
    ops: shared.ops,
    control: shared.control,
    audit: shared.audit,
    defi,
    stopping: stack.stopping,
  };
  const host = hostAgents(deps, chosen);
  // Together: each finishes or hands back its jobs within the job grace period (queues/stopping.ts).
  stack.defer(`agents ${names.join(', ')}`, () => host.stop(), { boundMs: JOB_GRACE_MS + 1500 });
  return host.started;
}

/** The bot: the dispatcher with every command, plain-language chat, and the stores its surfaces share. */
export interface Bot extends Roads {
  dispatcher: Dispatcher;
  chat: ChatService;
  /** The alert book the notifier and the silence commands share. */
  alerts: AlertBook;
  /** Fleet figures and their history, for the dashboard, /metrics and /chart. */
  watch: FleetWatch;
}

export async function openBot(stack: Stack, config: Config, shared: Shared): Promise<Bot> {
  const silences = new SilenceStore(shared.hub);
  const alerts = new AlertBook(shared.hub, silences, config.manifest.members, config.notify.repeatIntervalMs);
  const watch = new FleetWatch(new FleetView(shared.hub), stack.log.child('watch'));
  watch.start();
  stack.defer('fleet watch', () => watch.stop());
  const tools = new ToolCatalog({ members: config.manifest.members, ops: shared.ops, timeoutMs: config.opsTimeoutMs, log: stack.log.child('tools') });
  const dispatcher = new Dispatcher({
    commands: await loadCommands(),
    members: config.manifest.members,
    ops: shared.ops,
    notify: shared.notify,
    defi: shared.defi,
    audit: shared.audit,
    agents: () => listAgents(shared.hub),
    agentControl: shared.control,
    silences,
    healer: new HealState(shared.hub),
    telemetry: watch,
    confirmations: new Confirmations(shared.hub),
    toolTrust: tools.trust,
    limiter: new RateLimiter(shared.hub, 'commands', config.rateLimits.commands),
    chatLimiter: new RateLimiter(shared.hub, 'chat', config.rateLimits.chat),
    timeoutMs: config.opsTimeoutMs,
    log: stack.log.child('bot'),
  });
  const chat = new ChatService({
    dispatcher,
    tools,
    memory: new ChatMemory(shared.hub, config.chat.memory),
    config: config.chat,
    log: stack.log.child('chat'),
  });
  return { dispatcher, chat, alerts, watch };
}

/**
 * The notifier of this process: every notice to every sink given (the console, Discord), as the routes say. One
 * notifier per process, so the sinks share each notice instead of competing for it.
 */
export function startNotifier(stack: Stack, config: Config, bot: Bot, shared: Shared, sinks: NoticeSink[]): Notifier {
  const findings = config.discord?.channels.finding ?? 'console';
  const notifier = new Notifier({
    hub: shared.hub,
    alerts: bot.alerts,
    sinks,
    routes: notifyRoutes(config),
    execute: config.defi.executor
      ? {
          // Proposed by the scanner; whoever confirms needs the operate permission, checked and audited then.
          propose: (o) => bot.dispatcher.propose({ caller: { id: 'scanner', name: 'scanner', permission: 'operate', via: 'scanner' }, channel: findings, command: 'trade', args: { id: o.id, check: false } }),
          automatic: (o) => autoExecutes(config.defi.autoExecute, o),
        }
      : undefined,
    groupWaitMs: config.notify.groupWaitMs,
    maxPerMinute: config.notify.maxPerMinute,
    log: stack.log.child('notifier'),
  });
  notifier.start();
  stack.defer('notifier', () => notifier.stop());
  if (notifyRoutes(config).some((r) => r.kind === 'metrics' && sinks.some((s) => s.name === r.sink))) {
    const digest = startMetricsDigest({ telemetry: bot.watch, notify: shared.notify, everyMs: config.notify.metricsEveryMs, log: stack.log.child('metrics digest') });
    stack.defer('metrics digest', async () => digest.stop());
  }
  return notifier;
}

/** Notices shown in the console: printed in a terminal, logged from a pipe. */
export function consoleSink(stack: Stack): ConsoleSink {
  return new ConsoleSink(process.stdout, process.stdin.isTTY === true, stack.log.child('notices'));
}

/** The console chat until end of input. */
export async function runConsoleChat(config: Config, bot: Bot): Promise<void> {
  await runConsole({
    bot,
    imageDir: path.join(config.home, 'charts'),
    caller: { id: `console:${process.pid}`, name: 'console', permission: config.console.permission, via: 'console' },
  });
}

/** Discord: the transport, and its sink for the notifier (alerts, findings, healing and audit to their channels). */
export async function startDiscord(
  stack: Stack,
  config: Config,
  shared: Shared,
  bot: Bot,
  clientOptions?: DiscordTransportOptions['clientOptions'],
): Promise<{ transport: DiscordTransport; sink: DiscordSink }> {
  const discord = config.discord!;
  // Loaded only here: discord.js is the largest library fleetbot has, and a console session never needs it.
  const [{ DiscordTransport }, { DiscordSink }] = await Promise.all([import('./discord/transport.js'), import('./discord/sink.js')]);
  const transport = new DiscordTransport({
    config: discord,
    bot,
    hub: shared.hub,
    log: stack.log.child('discord'),
    clientOptions,
  });
  stack.defer('discord', () => transport.stop());
  await transport.start();
  const sink = new DiscordSink({
    post: (channel, message) => transport.post(channel, message),
    buttons: (id, label, cancel) => transport.buttons(id, label, cancel),
    criticalRole: discord.criticalRole,
  });
  return { transport, sink };
}

/**
 * The dashboard for a bot process. A busy port is a warning, not a failure: the bot's job is the chat, and the
 * dashboard is a view of it.
 */
export async function startDashboardFor(stack: Stack, config: Config, shared: Shared, bot: Bot): Promise<string | undefined> {
  const token = config.dashboard.token ?? randomBytes(18).toString('base64url');
  try {
    const dashboard = await startDashboard({ ...config.dashboard, token, discord: config.discord, audit: shared.audit, dispatcher: bot.dispatcher, watch: bot.watch, hub: shared.hub, log: stack.log.child('dashboard') });
    stack.defer('dashboard', () => dashboard.close());
    return `${dashboard.url}/?token=${token}`;
  } catch (error) {
    stack.log.warn('dashboard not started', { error });
    return undefined;
  }
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
