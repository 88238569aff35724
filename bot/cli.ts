import { fstatSync, readFileSync } from 'node:fs';
import { Command as Program } from 'commander';
import { formatDuration } from '../config/duration.js';
import { ConfigError, loadConfig, loadEnvConfig, loadExecutorKey, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { Stack, type StopOutcome } from './stack.js';

/**
 * The `fleetbot` command line: `up`, `bot`, `agent`, `serve`, and the one-shot `check`, `backup`, `restore` and
 * `audit export`. Each command loads only the modules it needs, so a fleet member (`serve`) starts quickly.
 */

/**
 * Runs `body` with a Stack that is unwound on return, on SIGINT/SIGTERM, or on a crash; resolves to the exit code.
 * The first signal starts the one shutdown sequence (bot/stack.ts); a second one ends it at once. A member started
 * by fleetbot (`supervised`) stops on fleetbot's word — its stdin closing — or when fleetbot is gone: a signal sent
 * to the whole tree at once (systemd's control group, `kill -- -PGID`) waits for that word, so members stop in order.
 */
async function run(log: Logger, body: (stack: Stack) => Promise<void>, { supervised }: { supervised?: { readsStdin: boolean } } = {}): Promise<number> {
  const stack = new Stack(log);
  const finish = (outcome: StopOutcome): number => {
    const took = `${(outcome.tookMs / 1000).toFixed(1)} s`;
    if (outcome.complete && !outcome.gaveUp.length) log.info(`stopped in ${took}`);
    else if (outcome.complete) log.warn(`stopped in ${took}; gave up waiting for ${outcome.gaveUp.join(', ')}`);
    else log.warn(`stopped at once after ${took} (${outcome.ended === 'grace' ? 'the grace period ran out' : 'second signal'}); left: ${outcome.gaveUp.join(', ')}`);
    return outcome.complete ? 0 : 1;
  };
  const stopNow = (why: Record<string, unknown>) => {
    if (stack.stopping.aborted) return;
    log.info('stopping', why);
    void stack.stop().then((outcome) => process.exit(finish(outcome)));
  };
  let deferred: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stack.stopping.aborted) {
      log.warn('second signal: stopping at once', { signal });
      stack.abort();
    } else if (supervised && parent && !deferred) {
      // Most likely the whole tree got it: fleetbot stops its members in order. Alone, it stops in a while anyway.
      log.info('waiting for fleetbot to stop this member', { signal, atMostMs: MEMBER_SIGNAL_WAIT_MS });
      deferred = setTimeout(() => stopNow({ signal, waited: MEMBER_SIGNAL_WAIT_MS }), MEMBER_SIGNAL_WAIT_MS);
      deferred.unref();
    } else {
      stopNow({ signal });
    }
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection', { error: reason instanceof Error ? reason.stack : String(reason) }));
  const parent = supervised ? watchParent(() => stopNow({ reason: 'fleetbot closed this member\'s stdin or is gone' }), supervised.readsStdin) : undefined;
  try {
    await body(stack);
    return finish(await stack.stop());
  } catch (error) {
    process.stderr.write(`fleetbot: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof ConfigError)) log.debug('start-up failed', { error: error instanceof Error ? error.stack : String(error) });
    await stack.stop();
    return 1;
  }
}

/** The command's logger, having said first which variables look like settings but are not (see config/env-names). */
function startLog(config: { warnings: string[] }, options: Parameters<typeof createLogger>[0]): Logger {
  const log = createLogger(options);
  for (const warning of config.warnings) log.warn(warning);
  return log;
}

/** How long a supervised member waits for fleetbot's word after a signal, before it stops on its own. */
const MEMBER_SIGNAL_WAIT_MS = 10_000;
/** How often a supervised member looks whether its parent is still there. */
const PARENT_CHECK_MS = 500;

/**
 * A member's link to the fleetbot that started it: its stdin (a pipe from fleetbot; its end is fleetbot's word or
 * its death) and its parent pid (a new parent means fleetbot is gone). Undefined when there is no such link — in a
 * container stdin is /dev/null, and the engine's signal is the word.
 */
function watchParent(gone: () => void, readsStdin: boolean): { pid: number } | undefined {
  const stdin = fstatSync(0);
  if (!stdin.isFIFO() && !stdin.isSocket()) return undefined;
  const pid = process.ppid;
  process.stdin.once('end', gone).once('close', gone);
  // 'end' needs the data read: here, unless a stdio MCP server reads it (its channel; resuming early would lose data).
  if (!readsStdin) process.stdin.resume();
  const timer = setInterval(() => parentAlive(pid) || gone(), PARENT_CHECK_MS);
  timer.unref();
  return { pid };
}

/** `process.ppid` is read once at start in Node 20: ask the kernel whether the parent is still the one we had. */
function parentAlive(pid: number): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Until the shutdown begins (a signal, or fleetbot's word to a member). */
function untilSignal(stack: Stack): Promise<void> {
  return new Promise((resolve) => stack.stopping.addEventListener('abort', () => resolve(), { once: true }));
}

const program = new Program('fleetbot').description('ChatOps for a fleet of MCP servers and agents').showHelpAfterError();

/** Everything in one process, with the console chat: `up`, and `devnet` once its chain is ready. */
/** Everything in one process (`up`, `devnet`): Redis, the fleet, every agent, and Discord or the console chat. */
async function runEverything(config: Config, stack: Stack, banner = ''): Promise<void> {
  for (const note of config.notes) process.stderr.write(`fleetbot: ${note}\n`);
  // The embedded redis-server starts while the rest of fleetbot's code loads.
  const [redisUrl, roots, { AGENTS }] = await Promise.all([
    config.redis.url ?? import('../mcp-fleet/embedded-redis.js').then(async ({ startEmbeddedRedis }) => {
      const redis = await startEmbeddedRedis(config.home, stack.log);
      stack.defer('embedded redis', () => redis.stop());
      return redis.url;
    }),
    import('./roots.js'),
    import('../agents/index.js'),
  ]);
  const shared = roots.openShared(stack, await roots.openRedis(stack, { ...config, redis: { ...config.redis, url: redisUrl } }, { embedded: true }));
  const fleet = await roots.openFleet(stack, config, shared.hub);
  // `fleetbot status` and friends, run from this folder, find this fleet here while it runs.
  (await import('./remote.js')).publishFleet(stack, config.home, shared.hub.url, shared.hub.prefix);
  const agents = roots.startAgents(stack, AGENTS.map((a) => a.name), config, shared, fleet);
  const bot = await roots.openBot(stack, config, shared);
  const dashboard = await roots.startDashboardFor(stack, config, shared, bot);
  await roots.settle(agents, Math.max(...config.manifest.members.map((m) => m.health.start_period)) + 2000);
  const discord = config.discord ? await roots.startDiscord(stack, config, shared, bot) : undefined;
  roots.startNotifier(stack, config, bot, shared, discord ? [discord.sink, roots.consoleSink(stack)] : [roots.consoleSink(stack)]);
  const took = formatDuration(process.uptime() * 1000);
  process.stderr.write(`${banner}fleetbot is up in ${took}: ${fleet.members.length} fleet members, ${agents.length} agents — ${config.discord ? 'on Discord' : 'type help'}\n`);
  if (dashboard) process.stderr.write(`dashboard: ${dashboard}\n`);
  if (config.discord) await untilSignal(stack);
  else await roots.runConsoleChat(config, bot);
}

program
  .command('up')
  .description('everything in one process: Redis (embedded unless REDIS_URL), the fleet, the agents, and the console chat or Discord')
  .action(async () => {
    const config = loadConfig();
    // The console is the user's screen: only warnings go to stderr unless LOG_LEVEL says otherwise.
    const log = startLog(config, { level: config.logLevel ?? (config.discord ? 'info' : 'warn') });
    process.exitCode = await run(log, (stack) => runEverything(config, stack));
  });

program
  .command('devnet')
  .description('a local chain (Anvil) with two Uniswap V2 DEXes, Uniswap V3 pools, tokens and price gaps, then everything as `up` — findings included')
  .option('--port <port>', 'Anvil port on 127.0.0.1', (v) => Number.parseInt(v, 10), 8545)
  .option('--execute', 'also create a dev executor account and its FlashArbitrage, so /execute can run trades')
  .action(async (options: { port: number; execute?: boolean }) => {
    const base = loadConfig();
    const log = startLog(base, { level: base.logLevel ?? 'warn' });
    process.exitCode = await run(log, async (stack) => {
      const { startDevnetSession } = await import('./devnet.js');
      const session = await startDevnetSession(stack, base, options);
      await runEverything(session.config, stack, session.banner);
    });
  });

program
  .command('scan')
  .description('one scan of the pools file against an RPC endpoint; prints what is profitable after fees and gas')
  .requiredOption('--rpc <url>', 'JSON-RPC endpoint')
  .requiredOption('--pools <file>', 'pools file (the format the scanner agent reads)')
  .option('--json', 'print a JSON array of the opportunities')
  .action(async (options: { rpc: string; pools: string; json?: boolean }) => {
    const config = loadEnvConfig();
    const log = startLog(config, { level: config.logLevel ?? 'warn' });
    process.exitCode = await run(log, async () => {
      const { scanOnce } = await import('./scan-once.js');
      process.stdout.write(await scanOnce(config, options));
    });
  });

program
  .command('contract')
  .description('fleetbot\'s contracts on a chain')
  .command('deploy')
  .description('deploy FlashArbitrage with EXECUTOR_KEY: shows the estimated cost, asks, waits for the receipt, checks the code; prints EXECUTOR_CONTRACT')
  .requiredOption('--rpc <url>', 'JSON-RPC endpoint')
  .option('--yes', 'do not ask before sending')
  .action(async (options: { rpc: string; yes?: boolean }) => {
    // Not the whole environment: EXECUTOR_CONTRACT is what this command is for, so EXECUTOR_KEY comes alone.
    const log = createLogger({ level: 'warn' });
    process.exitCode = await run(log, async () => {
      const { deployFlashArbitrageCommand, askStdin } = await import('./contract-deploy.js');
      process.stdout.write(await deployFlashArbitrageCommand(options, loadExecutorKey(), { write: (text) => process.stderr.write(text), ask: askStdin }));
    });
  });

program
  .command('bot')
  .description('the bot alone (Discord when DISCORD_TOKEN is set, else the console chat), talking to agents through REDIS_URL')
  .action(async () => {
    const config = loadConfig();
    const log = startLog(config, { level: config.logLevel ?? 'info' });
    process.exitCode = await run(log, async (stack) => {
      for (const note of config.notes) log.info(note);
      const roots = await import('./roots.js');
      const shared = roots.openShared(stack, await roots.openRedis(stack, config, { embedded: false }));
      const bot = await roots.openBot(stack, config, shared);
      const dashboard = await roots.startDashboardFor(stack, config, shared, bot);
      if (dashboard) log.info('dashboard ready', { url: dashboard.replace(/token=.*/, 'token=…') });
      if (!config.discord) {
        roots.startNotifier(stack, config, bot, shared, [roots.consoleSink(stack)]);
        return roots.runConsoleChat(config, bot);
      }
      const { sink } = await roots.startDiscord(stack, config, shared, bot);
      roots.startNotifier(stack, config, bot, shared, [sink]);
      await untilSignal(stack);
    });
  });

program
  .command('agent')
  .description('run agents by name (ops, health, healer, …) against REDIS_URL; the fleet runs here if one of them needs it')
  .argument('<names...>', 'agent names')
  .action(async (names: string[]) => {
    const config = loadConfig();
    const log = startLog(config, { level: config.logLevel ?? 'info' });
    process.exitCode = await run(log, async (stack) => {
      const roots = await import('./roots.js');
      const { AGENTS } = await import('../agents/index.js');
      const shared = roots.openShared(stack, await roots.openRedis(stack, config, { embedded: false }));
      const needsFleet = AGENTS.some((a) => a.needsFleet && names.includes(a.name));
      const fleet = needsFleet ? await roots.openFleet(stack, config, shared.hub) : undefined;
      roots.startAgents(stack, names, config, shared, fleet);
      // No dashboard here: the bot's /metrics serves this process's figures, read from Redis.
      const { publishMetrics } = await import('../telemetry/shared-metrics.js');
      const publisher = publishMetrics(shared.hub);
      stack.defer('metrics publisher', () => publisher.stop());
      log.info('agents running', { agents: names });
      await untilSignal(stack);
    }, { supervised: config.vars.FLEETBOT_MEMBER !== undefined ? { readsStdin: false } : undefined });
  });

program
  .command('check')
  .description('exit 0 when each named agent has a live heartbeat in REDIS_URL (a container health check)')
  .argument('<agents...>', 'agent names')
  .action(async (names: string[]) => {
    const config = loadEnvConfig();
    process.exitCode = await run(startLog(config, { level: config.logLevel ?? 'warn' }), async (stack) => {
      // Only what the check needs: it runs every few seconds in each agent's container.
      const { RedisHub } = await import('../redis/hub.js');
      const { listAgents } = await import('../state/heartbeats.js');
      if (!config.redis.url) throw new Error('set REDIS_URL: the heartbeats are in Redis');
      const hub = new RedisHub(config.redis.url, config.redis.prefix);
      stack.defer('redis', () => hub.close());
      const alive = new Set((await listAgents(hub)).filter((a) => a.alive).map((a) => a.name));
      const silent = names.filter((name) => !alive.has(name));
      if (silent.length) throw new Error(`no live heartbeat from ${silent.join(', ')}`);
    });
  });

/** Redis for a one-shot command: REDIS_URL (these commands never start an embedded Redis), closed at the end. */
async function redisFor(stack: Stack, config: ReturnType<typeof loadEnvConfig>) {
  const { RedisHub } = await import('../redis/hub.js');
  if (!config.redis.url) throw new Error('set REDIS_URL (and REDIS_PREFIX if not "fleetbot"): the Redis holding the fleet\'s data');
  const hub = new RedisHub(config.redis.url, config.redis.prefix);
  stack.defer('redis', () => hub.close());
  await hub.client.ping();
  return hub;
}

program
  .command('backup')
  .description('write a consistent snapshot of fleetbot\'s data in Redis (audit, silences, alert and healer state, findings, pending confirmations) to a file')
  .argument('<file>', 'where to write it (readable by you only)')
  .option('--chat', 'also keep the chat memory (conversations)')
  .action(async (file: string, options: { chat?: boolean }) => {
    const config = loadEnvConfig();
    process.exitCode = await run(createLogger({ level: config.logLevel ?? 'warn' }), async (stack) => {
      const { createBackup, describeBackup, writeBackup } = await import('./backup.js');
      const backup = await createBackup(await redisFor(stack, config), { chat: options.chat === true });
      await writeBackup(file, backup);
      process.stderr.write(`backed up ${describeBackup(backup)} to ${file}\n`);
    });
  });

program
  .command('restore')
  .description('load a backup into Redis under REDIS_PREFIX; refuses a live fleet or existing data unless --force')
  .argument('<file>', 'a file written by `fleetbot backup`')
  .option('--force', 'overwrite what is there (the kept data becomes the backup\'s), even with agents running')
  .action(async (file: string, options: { force?: boolean }) => {
    const config = loadEnvConfig();
    process.exitCode = await run(createLogger({ level: config.logLevel ?? 'warn' }), async (stack) => {
      const { describeBackup, readBackup, restoreBackup } = await import('./backup.js');
      const backup = await readBackup(file);
      const report = await restoreBackup(await redisFor(stack, config), backup, { force: options.force === true });
      const expired = report.expired ? ` (${report.expired} expired since, left out)` : '';
      process.stderr.write(`restored ${report.restored} keys${expired} of ${describeBackup(backup)} under prefix "${config.redis.prefix}"\n`);
    });
  });

program
  .command('audit')
  .description('the audit trail')
  .command('export')
  .description('print the audit trail as JSON lines (redacted), oldest first: fleetbot audit export --since 7d > audit.jsonl')
  .option('--since <duration>', 'only entries newer than this (e.g. 1d, 12h); default: all')
  .action(async (options: { since?: string }) => {
    const config = loadEnvConfig();
    process.exitCode = await run(createLogger({ level: config.logLevel ?? 'warn' }), async (stack) => {
      const { DurationSchema } = await import('../config/duration.js');
      let sinceMs = 0;
      if (options.since !== undefined) {
        const parsed = DurationSchema.safeParse(options.since);
        if (!parsed.success) throw new Error(`--since: ${parsed.error.issues[0]?.message ?? 'not a duration'}`);
        sinceMs = Date.now() - parsed.data;
      }
      const { exportAudit } = await import('./audit-export.js');
      const count = await exportAudit(await redisFor(stack, config), sinceMs, process.stdout);
      process.stderr.write(`${count} audit entries\n`);
    });
  });

/** A `token` subcommand's body, on the Redis the bot uses (tokens and sessions are kept there). */
async function withStore(body: (hub: Awaited<ReturnType<typeof redisFor>>) => Promise<void>): Promise<void> {
  const config = loadEnvConfig();
  process.exitCode = await run(createLogger({ level: config.logLevel ?? 'warn' }), async (stack) => body(await redisFor(stack, config)));
}

const token = program.command('token').description('personal API tokens for the dashboard (for deployments without Discord sign-in)');
token
  .command('create')
  .description('create a token for a person; it is printed once, and only its hash is kept')
  .argument('<name>', 'whose token (lower-case letters, digits, . _ -)')
  .requiredOption('--permission <level>', 'read, operate or admin')
  .action(async (name: string, options: { permission: string }) => {
    await withStore(async (hub) => {
      const { PermissionSchema } = await import('../security/permissions.js');
      const { ApiTokenStore } = await import('../state/api-tokens.js');
      const level = PermissionSchema.safeParse(options.permission);
      if (!level.success) throw new Error(`--permission must be read, operate or admin, not "${options.permission}"`);
      const { token: text } = await new ApiTokenStore(hub).create(name, level.data);
      process.stdout.write(`${text}\n`);
      process.stderr.write(`token "${name}" (${level.data}) created: it is shown this once; sign in to the dashboard with it\n`);
    });
  });
token
  .command('list')
  .description('every token: name, permission, created')
  .action(async () => {
    await withStore(async (hub) => {
      const { ApiTokenStore } = await import('../state/api-tokens.js');
      const all = await new ApiTokenStore(hub).list();
      if (all.length === 0) process.stdout.write('no tokens\n');
      for (const t of all) process.stdout.write(`${t.name}\t${t.permission}\t${new Date(t.createdAt).toISOString()}\n`);
    });
  });
token
  .command('revoke')
  .description('remove a token and end every dashboard session opened with it')
  .argument('<name>', 'the token\'s name')
  .action(async (name: string) => {
    await withStore(async (hub) => {
      const { ApiTokenStore } = await import('../state/api-tokens.js');
      const { WebSessions } = await import('../state/web-sessions.js');
      if (!(await new ApiTokenStore(hub).revoke(name))) throw new Error(`no token named "${name}" (see fleetbot token list)`);
      const ended = await new WebSessions(hub).closeAll(`token:${name}`);
      process.stdout.write(`token "${name}" revoked; ${ended} session${ended === 1 ? '' : 's'} ended\n`);
    });
  });

program
  .command('serve')
  .description('run one of fleetbot\'s own MCP servers (blockchain, monitoring, task-queue, price-feed, …)')
  .argument('<server>', 'server name')
  .option('--http', 'serve Streamable HTTP on 127.0.0.1 instead of stdio')
  .option('--port <port>', 'port for --http', (v) => Number.parseInt(v, 10))
  .action(async (name: string, options: { http?: boolean; port?: number }) => {
    const config = loadEnvConfig();
    const supervised = config.vars.FLEETBOT_MEMBER !== undefined;
    const log = startLog(config, { level: config.logLevel ?? 'info', scope: `mcp-${name}`, timestamps: !supervised });
    if (!options.http) {
      // stdout is the MCP channel: anything a library prints must go to stderr instead.
      console.log = console.error;
      console.info = console.error;
    }
    process.exitCode = await run(log, async (stack) => {
      const { loadServer } = await import('../mcp-fleet/servers/index.js');
      const { serveHttp, serveStdio } = await import('../mcp-fleet/servers/host.js');
      const open = await (await loadServer(name)).open(config, log);
      stack.defer('server resources', () => open.close());
      if (options.http) {
        if (!options.port) throw new Error('--http needs --port');
        // A swarm replica listens on its slot's port (the engine sets FLEETBOT_TASK_SLOT per task).
        const { replicaPort } = await import('../mcp-fleet/ports.js');
        const server = await serveHttp(open, replicaPort(options.port, Number(config.vars.FLEETBOT_TASK_SLOT) || undefined), log);
        stack.defer('http server', () => server.close());
        await untilSignal(stack);
      } else {
        await (await serveStdio(open)).closed;
      }
    }, { supervised: supervised ? { readsStdin: !options.http } : undefined });
  });

/**
 * One request against a running fleet (`fleetbot status`, `restart`, …): the same dispatcher, permission check and
 * audit as the console; exit 0 on success, 1 when the request failed or was refused, 2 when no fleet answers.
 */
async function remote(line: string, options: { json?: boolean }, follow?: { member: string; count: number }): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: config.logLevel ?? 'warn' });
  const stack = new Stack(log);
  const { EXIT, NoFleetError, followLogs, runRemote } = await import('./remote.js');
  const stop = () => void stack.stop().then(() => process.exit(EXIT.ok));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  try {
    process.exitCode = follow ? await followLogs(stack, config, follow.member, follow.count, options) : await runRemote(stack, config, line, options);
  } catch (error) {
    process.stderr.write(`fleetbot: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof NoFleetError ? EXIT.noFleet : EXIT.failed;
  } finally {
    await stack.stop();
  }
}

const quoted = (words: string[]) => words.map((w) => (/[\s"']/.test(w) ? JSON.stringify(w) : w)).join(' ');

program
  .command('status')
  .description('the fleet (or one member) as /status shows it, from a running fleet')
  .argument('[member]')
  .option('--json', 'print the reply as JSON')
  .action((member: string | undefined, o: { json?: boolean }) => remote(quoted(['/status', ...(member ? [member] : [])]), o));

program
  .command('logs')
  .description("a member's last log lines (redacted); -f follows new lines as they are written")
  .argument('<member>')
  .option('-n, --lines <n>', 'how many lines', (v) => Number.parseInt(v, 10), 50)
  .option('-f, --follow', 'keep printing new lines until interrupted')
  .option('--json', 'print JSON (one object per line with -f)')
  .action((member: string, o: { lines: number; follow?: boolean; json?: boolean }) =>
    remote(quoted(['/logs', member, String(o.lines)]), o, o.follow ? { member, count: o.lines } : undefined),
  );

for (const verb of ['restart', 'start', 'stop'] as const) {
  program
    .command(verb)
    .description(`${verb} a fleet member (or an agent fleetbot runs) and wait for the outcome`)
    .argument('<member>')
    .option('--json', 'print the reply as JSON')
    .action((member: string, o: { json?: boolean }) => remote(quoted([`/${verb}`, member]), o));
}

program
  .command('exec')
  .description('run one MCP tool on a member, on every member with a tag (tag:defi), or on all')
  .argument('<target>')
  .argument('<tool>')
  .argument('[args]', 'the tool arguments as a JSON object')
  .option('--json', 'print the reply as JSON')
  .action((target: string, tool: string, args: string | undefined, o: { json?: boolean }) => remote(quoted(['/execute', target, tool, ...(args ? [args] : [])]), o));

program
  .command('alert')
  .description('send a test alert through the real alert path (grouping, channels, resolved notice)')
  .argument('<severity>', 'info, warning or critical')
  .argument('[message...]')
  .option('--json', 'print the reply as JSON')
  .action((severity: string, message: string[], o: { json?: boolean }) => remote(quoted(['/alert', severity, ...(message.length ? [message.join(' ')] : [])]), o));

program
  .command('new')
  .description('write a new first-party MCP server (its tool, health tool, test and fleet.yaml entry) or agent (with its test) into this checkout')
  .argument('<kind>', 'server or agent')
  .argument('<name>', 'lower-case, dashes allowed')
  .action(async (kind: string, name: string) => {
    const { newAgent, newServer, ScaffoldError } = await import('./scaffold.js');
    try {
      if (kind !== 'server' && kind !== 'agent') throw new ScaffoldError(`new makes a server or an agent, not "${kind}"`);
      const files = kind === 'server' ? newServer(process.cwd(), name) : newAgent(process.cwd(), name);
      process.stdout.write(`wrote ${files.join(', ')}\nnext: npm run build && npx vitest run tests/integration/${kind}-${name}.test.ts\n`);
    } catch (error) {
      process.stderr.write(`fleetbot: ${(error as Error).message}\n`);
      process.exitCode = error instanceof ScaffoldError ? 2 : 1;
    }
  });

program.parseAsync().then(
  // Everything was stopped in order; exit now rather than wait on a handle some library forgot to unref.
  () => process.exit(),
  (error: unknown) => {
    process.stderr.write(`fleetbot: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
