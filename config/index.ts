import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { backendIssues, FleetBackendSchema, ManifestSchema, membersThatParse, type FleetBackendKind, type Manifest } from './manifest.js';
import { CallerPermissionSchema, PermissionSchema, type CallerPermission, type Permission } from '../security/permissions.js';
import { LOG_LEVELS, type LogLevel } from '../telemetry/logger.js';
import { DurationSchema } from './duration.js';
import { settingNameCheck } from './env-names.js';

/**
 * fleetbot's configuration: the environment and `fleet.yaml`, parsed once at start-up with zod.
 * This is the only module that reads `process.env`; everything else receives a Config.
 */


const blankIsUnset = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const optionalUrl = blankIsUnset(z.url());
const Snowflake = z.string().regex(/^\d{15,22}$/, 'a Discord id (15-22 digits)');
const optionalId = blankIsUnset(Snowflake);
/** `id,id,id` — Discord role or user ids. */
const idList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(Snowflake));
// fleet.yaml passes `${VAR}` of an unset variable as '': the member then gets the default, as fleetbot does.
const emptyIsDefault = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal number such as 0.01');

/** `WETH=10,USDC=50000` → { WETH: '10', USDC: '50000' } */
const TokenCapsSchema = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const caps: Record<string, string> = {};
    for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
      const match = /^([A-Za-z0-9.$_-]{1,16})=(\d+(?:\.\d+)?)$/.exec(part);
      if (!match) ctx.addIssue({ code: 'custom', message: `"${part.slice(0, 40)}" is not SYMBOL=amount` });
      else caps[match[1]!] = match[2]!;
    }
    return caps;
  });

/** Where the Docker engine answers: `unix:///path/docker.sock` or `tcp://host:port` (plain HTTP), as the docker CLI reads it. */
const DockerHostSchema = z.string().transform((value, ctx): DockerConnection => {
  const unix = /^unix:\/\/(\/.+)$/.exec(value);
  if (unix) return { socketPath: unix[1]! };
  const tcp = /^tcp:\/\/([^:/]+):(\d{1,5})\/?$/.exec(value);
  if (tcp) return { host: tcp[1]!, port: Number(tcp[2]), protocol: 'http' };
  ctx.addIssue({ code: 'custom', message: `write unix:///path/to/docker.sock or tcp://host:port, not "${value}"` });
  return z.NEVER;
});

const DashboardTokenSchema = z.string().min(16, 'at least 16 characters');

export type DockerConnection = { socketPath: string } | { host: string; port: number; protocol: 'http' };

const EnvSchema = z.object({
  REDIS_URL: optionalUrl.describe('Redis for queues and state; unset: `fleetbot up` runs its own redis-server'),
  REDIS_PASSWORD_FILE: blankIsUnset(z.string()).describe('a file with Redis\'s password (or a `requirepass <password>` line, the compose secret): it joins REDIS_URL'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').default('fleetbot'),
  FLEET_FILE: z.string().default('fleet.yaml'),
  FLEET_BACKEND: FleetBackendSchema.default('process').describe('what runs the fleet: local processes, Docker containers, or Docker Swarm services'),
  DOCKER_HOST: blankIsUnset(DockerHostSchema).describe('the Docker engine for FLEET_BACKEND=docker (for swarm: a manager); unset: /var/run/docker.sock'),
  FLEETBOT_HOME: z.string().default('.fleetbot').describe('local state: embedded Redis data'),
  RPC_URL: optionalUrl.describe('JSON-RPC endpoint of the chain'),
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  OPS_TIMEOUT: DurationSchema.default(30_000).describe('how long a command waits for its job'),
  CONSOLE_PERMISSION: PermissionSchema.default('admin').describe('what the console user may do'),
  DISCORD_TOKEN: blankIsUnset(z.string()).describe('bot token; set, fleetbot talks to Discord instead of the console'),
  DISCORD_APPLICATION_ID: optionalId.describe('the application; read from Discord at login when unset'),
  DISCORD_GUILD_ID: optionalId.describe('the guild fleetbot serves: slash commands are registered there, roles read there'),
  DISCORD_GUILD_IDS: idList.describe('more guilds fleetbot answers in (comma-separated); nowhere else'),
  DISCORD_CLIENT_SECRET: blankIsUnset(z.string().min(8)).describe('the application\'s OAuth2 secret: set, people sign in to the dashboard with Discord'),
  DISCORD_API_URL: optionalUrl.describe('REST base URL (tests point it at a local fake Discord); unset in production'),
  DISCORD_ADMIN_ROLES: idList,
  DISCORD_OPERATE_ROLES: idList,
  DISCORD_READ_ROLES: idList,
  DISCORD_ADMIN_USERS: idList,
  DISCORD_OPERATE_USERS: idList,
  DISCORD_READ_USERS: idList,
  DISCORD_DEFAULT_PERMISSION: CallerPermissionSchema.default('read').describe('for members with no mapped role'),
  DISCORD_ALERTS_CHANNEL: optionalId,
  DISCORD_FINDINGS_CHANNEL: optionalId,
  DISCORD_HEALING_CHANNEL: optionalId,
  DISCORD_AUDIT_CHANNEL: optionalId,
  DISCORD_METRICS_CHANNEL: optionalId.describe('a periodic digest of the fleet\'s figures and charts'),
  DISCORD_LOGS_CHANNEL: optionalId.describe('the last log lines of a member that died, as a file'),
  DISCORD_CRITICAL_ROLE: optionalId.describe('role mentioned on critical alerts'),
  NOTIFY_GROUP_WAIT: DurationSchema.default(2000).describe('notifications arriving within this window go out as one message'),
  NOTIFY_CONSOLE: z
    .string()
    .default('alert,healing,finding')
    .transform((v, ctx) => {
      const kinds = v.split(',').map((k) => k.trim()).filter(Boolean);
      const unknown = kinds.filter((k) => !(NOTIFY_KINDS as readonly string[]).includes(k));
      if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown notice kind ${unknown.map((k) => `"${k}"`).join(', ')}; kinds: ${NOTIFY_KINDS.join(', ')}` });
      return kinds as NotifyKind[];
    })
    .describe('the kinds of notice an interactive console shows (comma-separated: alert, finding, healing, audit; empty for none)'),
  NOTIFY_METRICS_INTERVAL: DurationSchema.default(3_600_000).describe('how often the metrics channel gets a digest of the fleet\'s figures'),
  NOTIFY_MAX_PER_MINUTE: z.coerce.number().int().min(1).max(600).default(20).describe('messages per channel per minute'),
  ALERT_REPEAT_INTERVAL: DurationSchema.default(4 * 3600_000).describe('a still-firing alert is posted again after this long'),
  DISCORD_CHAT_CHANNELS: idList.describe('channels where every message is a chat turn (elsewhere: mention the bot)'),
  OPENAI_API_KEY: blankIsUnset(z.string()).describe('key for the OpenAI-compatible model server'),
  OPENAI_BASE_URL: optionalUrl.describe('any OpenAI-compatible server (OpenAI, Ollama, vLLM …), e.g. http://127.0.0.1:11434/v1'),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  CHAT_MAX_STEPS: z.coerce.number().int().min(1).max(20).default(6).describe('model calls in one turn at most'),
  CHAT_TURN_TIMEOUT: DurationSchema.default(60_000).describe('time budget of one chat turn'),
  CHAT_TOOLS: z
    .string()
    .default('*')
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .describe('MCP tools the model may see, as server.tool patterns (* matches any part), comma-separated'),
  CHAT_MEMORY_TURNS: z.coerce.number().int().min(0).max(100).default(10),
  CHAT_MEMORY_TOKENS: z.coerce.number().int().min(200).max(100_000).default(4000),
  CHAT_MEMORY_TTL: DurationSchema.default(24 * 3600_000),
  RATE_LIMIT_COMMANDS: z.coerce.number().int().min(1).max(10_000).default(30).describe('commands a Discord user may send per minute'),
  RATE_LIMIT_CHAT: z.coerce.number().int().min(1).max(10_000).default(10).describe('chat turns a Discord user may start per minute'),
  DASHBOARD_HOST: z.string().default('127.0.0.1').describe('address the dashboard listens on'),
  DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('0 picks a free port'),
  DASHBOARD_TOKEN: blankIsUnset(DashboardTokenSchema).describe('unset: a new random token at every start'),
  DASHBOARD_TOKEN_FILE: blankIsUnset(z.string()).describe('a file holding the token instead (a compose secret, shared with Prometheus)'),
  DASHBOARD_PUBLIC: z.enum(['true', 'false']).default('false').describe('true opens the read-only views without the token'),
  DASHBOARD_URL: optionalUrl.describe('the address people open the dashboard at (sign-in redirects, Secure cookies when https); unset: where it listens'),
  DASHBOARD_SESSION_TTL: DurationSchema.default(8 * 3600_000).describe('how long a dashboard sign-in lasts'),
  DASHBOARD_SESSION_SECRET: blankIsUnset(z.string().min(32, 'at least 32 characters')).describe('signs session cookies; unset: a new one at every start (everyone signs in again)'),
  POOLS_FILE: blankIsUnset(z.string()).describe('the pools file (DEXes, tokens, pairs) the scanner and DeFi servers watch'),
  EXECUTOR_KEY: blankIsUnset(z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 32-byte hex private key')).describe('key the executor signs with; unset: execution off'),
  EXECUTOR_CONTRACT: blankIsUnset(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address')).describe('FlashArbitrage deployed by the executor key'),
  MIN_PROFIT: emptyIsDefault(decimal.default('0')).describe('smallest net profit worth posting or running, in base-token units'),
  MAX_POOL_SHARE: emptyIsDefault(z.coerce.number().gt(0).max(100).default(20)).describe('largest share (percent) of a pool reserve one trade may use'),
  MAX_GAS_PRICE: emptyIsDefault(z.coerce.number().gt(0).default(500)).describe('gwei; above it nothing runs'),
  TOKEN_CAPS: TokenCapsSchema.describe('per-token notional caps, SYMBOL=amount,…'),
  AUTO_EXECUTE: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))
    .describe('pairs (BASE/TOKEN) whose findings run without an operator, or "all"; empty: none'),
  SIMULATE_TOP: emptyIsDefault(z.coerce.number().int().min(1).max(100).default(5)).describe('candidates simulated per block'),
  SCAN_INTERVAL: DurationSchema.default(1000).describe('how often the scanner asks for a new block'),
  REPORT_INTERVAL: DurationSchema.default(3_600_000).describe('how often the reporter posts a digest'),
});

/** What the DeFi agents, commands and servers need. Execution needs both the key and the contract. */
/** Limits as configured (human units, e.g. MIN_PROFIT=0.01 in the base token). */
export interface RiskSettings {
  minProfit: string;
  maxPoolSharePercent: number;
  maxGasPriceGwei: number;
  /** Symbol → largest amount of that token one trade may move, in token units. */
  tokenCaps: Record<string, string>;
}

export interface DefiConfig {
  rpcUrl?: string;
  poolsFile?: string;
  risk: RiskSettings;
  simulateTop: number;
  pollMs: number;
  reportMs: number;
  executor?: { key: string; contract: string };
  autoExecute: string[];
}

const NOTIFY_KINDS = ['alert', 'finding', 'healing', 'audit', 'metrics', 'logs'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

/** Which kind of notice goes to which destination of which sink (like Botkube's bindings). */
export interface NotifyRoute {
  kind: NotifyKind;
  /** `discord`, `console`. */
  sink: string;
  /** A channel id, or `terminal` for the console. */
  destination: string;
}

export interface DiscordConfig {
  token: string;
  applicationId?: string;
  guildId?: string;
  /** Guilds served besides `guildId`; fleetbot answers nowhere else. */
  guildIds?: string[];
  apiUrl?: string;
  /** Sign in with Discord on the dashboard (OAuth2 code grant): the application's id and secret. */
  signIn?: { clientId: string; clientSecret: string };
  /** Role and user ids granted each level; the highest match wins. */
  grants: Record<Permission, { roles: string[]; users: string[] }>;
  defaultPermission: CallerPermission;
  channels: Partial<Record<NotifyKind, string>>;
  criticalRole?: string;
  /** Channels where every message is a chat turn. */
  chatChannels: string[];
}

export interface DashboardConfig {
  host: string;
  port: number;
  token?: string;
  publicViews: boolean;
  /** The address people open (redirect URIs, Secure cookies); unset: where it listens. */
  url?: string;
  sessionTtlMs: number;
  sessionSecret?: string;
}

/** Every guild fleetbot serves (answers in, reads roles in). */
export function servedGuilds(discord: Pick<DiscordConfig, 'guildId' | 'guildIds'>): string[] {
  return [...new Set([...(discord.guildId ? [discord.guildId] : []), ...(discord.guildIds ?? [])])];
}

export interface ChatConfig {
  /** Unset: no model; the fallback router answers what it can. */
  model?: { name: string; apiKey?: string; baseUrl?: string };
  maxSteps: number;
  turnTimeoutMs: number;
  toolPatterns: string[];
  memory: { turns: number; tokens: number; ttlMs: number };
}

export interface EnvConfig {
  /** Lines worth saying at start-up (an alias read as its preferred name). */
  notes: string[];
  /** Names in the environment that look like fleetbot settings but are not (with a prefix other programs share). */
  warnings: string[];
  redis: { url?: string; prefix: string };
  home: string;
  rpcUrl?: string;
  logLevel?: LogLevel;
  opsTimeoutMs: number;
  console: { permission: Permission };
  defi: DefiConfig;
  /** The environment as read, for `${VAR}` in fleet.yaml. */
  vars: Readonly<Record<string, string | undefined>>;
  fleetFile: string;
  fleetBackend: FleetBackendKind;
  /** The Docker engine, for the docker backend. */
  docker: DockerConnection;
  /** Set when DISCORD_TOKEN is. */
  discord?: DiscordConfig;
  notify: { groupWaitMs: number; maxPerMinute: number; repeatIntervalMs: number; console: NotifyKind[]; metricsEveryMs: number };
  chat: ChatConfig;
  dashboard: DashboardConfig;
  /** Per user and minute, for people on shared transports (Discord); the local console is not limited. */
  rateLimits: { commands: number; chat: number };
}

export interface Config extends EnvConfig {
  manifest: Manifest;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Names other ChatOps bots use for the same settings (the seeds'): read as fleetbot's own, with a word at start-up. */
const ALIASES = {
  DISCORD_BOT_TOKEN: 'DISCORD_TOKEN',
  DISCORD_ALERTS_CHANNEL_ID: 'DISCORD_ALERTS_CHANNEL',
  DISCORD_METRICS_CHANNEL_ID: 'DISCORD_METRICS_CHANNEL',
  DISCORD_LOGS_CHANNEL_ID: 'DISCORD_LOGS_CHANNEL',
} as const;

/** The environment with aliases read as their preferred names; one note per alias used, a problem when both disagree. */
function resolveAliases(env: Env): { env: Env; notes: string[]; problems: string[] } {
  const resolved: Record<string, string | undefined> = { ...env };
  const notes: string[] = [];
  const problems: string[] = [];
  for (const [alias, name] of Object.entries(ALIASES)) {
    const value = env[alias];
    if (value === undefined || value === '') continue;
    if (env[name] !== undefined && env[name] !== '' && env[name] !== value) {
      problems.push(`environment ${alias} and ${name} are both set, to different values: keep ${name} (the preferred name)`);
      continue;
    }
    resolved[name] = value;
    delete resolved[alias];
    notes.push(`${alias} is read as ${name}, the name fleetbot prefers`);
  }
  return { env: resolved, notes, problems };
}

/** Which names in an environment look like fleetbot settings but are not (see config/env-names.ts). */
export const checkSettingNames = settingNameCheck([...Object.keys(EnvSchema.shape), ...Object.keys(ALIASES)]);

function parseEnv(raw: Env, cwd: string): { config?: EnvConfig; problems: string[]; warnings: string[] } {
  // Every problem at once: misspelt names, clashing aliases, bad values and settings that only work together.
  const { errors: problems, warnings } = checkSettingNames(raw);
  const aliases = resolveAliases(raw);
  problems.push(...aliases.problems);
  const env = aliases.env;
  const result = EnvSchema.safeParse(env);
  if (!result.success) problems.push(...result.error.issues.map((issue) => `environment ${issue.path.join('.')}: ${issue.message}`));
  const set = (name: string) => (env[name] ?? '') !== '';
  if (set('EXECUTOR_KEY') !== set('EXECUTOR_CONTRACT')) problems.push('environment EXECUTOR_KEY and EXECUTOR_CONTRACT: set both to enable execution, or neither');
  const dashboardToken = set('DASHBOARD_TOKEN_FILE') ? readDashboardToken(path.resolve(cwd, env.DASHBOARD_TOKEN_FILE!), set('DASHBOARD_TOKEN') ? env.DASHBOARD_TOKEN : undefined) : { token: result.data?.DASHBOARD_TOKEN };
  if (dashboardToken.problem) problems.push(dashboardToken.problem);
  const discordProblem = result.success ? discordGuildProblem(result.data) : undefined;
  if (discordProblem) problems.push(discordProblem);
  const passwordFile = result.data?.REDIS_PASSWORD_FILE;
  const redisUrl = passwordFile === undefined ? { url: result.data?.REDIS_URL } : withRedisPassword(result.data?.REDIS_URL, path.resolve(cwd, passwordFile));
  if (redisUrl.problem) problems.push(redisUrl.problem);
  if (!result.success || problems.length > 0) return { problems, warnings };
  const e = result.data;
  return {
    problems: [],
    warnings,
    config: {
      notes: aliases.notes,
      warnings,
      redis: { url: redisUrl.url, prefix: e.REDIS_PREFIX },
      home: path.resolve(cwd, e.FLEETBOT_HOME),
      rpcUrl: e.RPC_URL,
      logLevel: e.LOG_LEVEL,
      opsTimeoutMs: e.OPS_TIMEOUT,
      console: { permission: e.CONSOLE_PERMISSION },
      defi: {
        rpcUrl: e.RPC_URL,
        poolsFile: e.POOLS_FILE === undefined ? undefined : path.resolve(cwd, e.POOLS_FILE),
        risk: { minProfit: e.MIN_PROFIT, maxPoolSharePercent: e.MAX_POOL_SHARE, maxGasPriceGwei: e.MAX_GAS_PRICE, tokenCaps: e.TOKEN_CAPS },
        simulateTop: e.SIMULATE_TOP,
        pollMs: e.SCAN_INTERVAL,
        reportMs: e.REPORT_INTERVAL,
        executor: e.EXECUTOR_KEY && e.EXECUTOR_CONTRACT ? { key: e.EXECUTOR_KEY.startsWith('0x') ? e.EXECUTOR_KEY : `0x${e.EXECUTOR_KEY}`, contract: e.EXECUTOR_CONTRACT } : undefined,
        autoExecute: e.AUTO_EXECUTE,
      },
      vars: env,
      fleetFile: path.resolve(cwd, e.FLEET_FILE),
      fleetBackend: e.FLEET_BACKEND,
      docker: e.DOCKER_HOST ?? { socketPath: '/var/run/docker.sock' },
      discord: e.DISCORD_TOKEN
        ? {
            token: e.DISCORD_TOKEN,
            applicationId: e.DISCORD_APPLICATION_ID,
            guildId: e.DISCORD_GUILD_ID,
            guildIds: e.DISCORD_GUILD_IDS,
            apiUrl: e.DISCORD_API_URL,
            signIn: e.DISCORD_CLIENT_SECRET && e.DISCORD_APPLICATION_ID ? { clientId: e.DISCORD_APPLICATION_ID, clientSecret: e.DISCORD_CLIENT_SECRET } : undefined,
            grants: {
              admin: { roles: e.DISCORD_ADMIN_ROLES, users: e.DISCORD_ADMIN_USERS },
              operate: { roles: e.DISCORD_OPERATE_ROLES, users: e.DISCORD_OPERATE_USERS },
              read: { roles: e.DISCORD_READ_ROLES, users: e.DISCORD_READ_USERS },
            },
            defaultPermission: e.DISCORD_DEFAULT_PERMISSION,
            channels: {
              alert: e.DISCORD_ALERTS_CHANNEL,
              finding: e.DISCORD_FINDINGS_CHANNEL,
              healing: e.DISCORD_HEALING_CHANNEL,
              audit: e.DISCORD_AUDIT_CHANNEL,
              metrics: e.DISCORD_METRICS_CHANNEL,
              logs: e.DISCORD_LOGS_CHANNEL,
            },
            criticalRole: e.DISCORD_CRITICAL_ROLE,
            chatChannels: e.DISCORD_CHAT_CHANNELS,
          }
        : undefined,
      rateLimits: { commands: e.RATE_LIMIT_COMMANDS, chat: e.RATE_LIMIT_CHAT },
      dashboard: {
        host: e.DASHBOARD_HOST,
        port: e.DASHBOARD_PORT,
        token: dashboardToken.token,
        publicViews: e.DASHBOARD_PUBLIC === 'true',
        url: e.DASHBOARD_URL?.replace(/\/+$/, ''),
        sessionTtlMs: e.DASHBOARD_SESSION_TTL,
        sessionSecret: e.DASHBOARD_SESSION_SECRET,
      },
      chat: {
        model: e.OPENAI_API_KEY || e.OPENAI_BASE_URL ? { name: e.OPENAI_MODEL, apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL } : undefined,
        maxSteps: e.CHAT_MAX_STEPS,
        turnTimeoutMs: e.CHAT_TURN_TIMEOUT,
        toolPatterns: e.CHAT_TOOLS,
        memory: { turns: e.CHAT_MEMORY_TURNS, tokens: e.CHAT_MEMORY_TOKENS, ttlMs: e.CHAT_MEMORY_TTL },
      },
      notify: { groupWaitMs: e.NOTIFY_GROUP_WAIT, maxPerMinute: e.NOTIFY_MAX_PER_MINUTE, repeatIntervalMs: e.ALERT_REPEAT_INTERVAL, console: e.NOTIFY_CONSOLE, metricsEveryMs: e.NOTIFY_METRICS_INTERVAL },
    },
  };
}

/** Fail closed: a bot that answers in "any guild", or a sign-in that cannot say whose guild roles count, is refused. */
function discordGuildProblem(e: z.infer<typeof EnvSchema>): string | undefined {
  const guilds = servedGuilds({ guildId: e.DISCORD_GUILD_ID, guildIds: e.DISCORD_GUILD_IDS });
  if (e.DISCORD_TOKEN && guilds.length === 0) return 'environment DISCORD_GUILD_ID: set the guild fleetbot serves (it answers nowhere else; more in DISCORD_GUILD_IDS)';
  if (e.DISCORD_CLIENT_SECRET && !e.DISCORD_TOKEN) return 'environment DISCORD_CLIENT_SECRET: Discord sign-in needs DISCORD_TOKEN too (roles are read as the bot reads them)';
  if (e.DISCORD_CLIENT_SECRET && !e.DISCORD_GUILD_ID) return 'environment DISCORD_CLIENT_SECRET: Discord sign-in needs DISCORD_GUILD_ID (the guild whose roles grant permissions)';
  if (e.DISCORD_CLIENT_SECRET && !e.DISCORD_APPLICATION_ID) return 'environment DISCORD_CLIENT_SECRET: Discord sign-in needs DISCORD_APPLICATION_ID (the OAuth2 client id)';
  return undefined;
}

/** REDIS_URL with the password of REDIS_PASSWORD_FILE: the bare password, or Redis's own `requirepass <password>` line. */
function withRedisPassword(url: string | undefined, file: string): { url?: string; problem?: string } {
  const problem = (message: string) => ({ problem: `environment REDIS_PASSWORD_FILE: ${message}` });
  if (url === undefined) return problem('set REDIS_URL too (the password is for that Redis)');
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    return problem(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const password = /^requirepass\s+(\S+)$/.exec(text)?.[1] ?? text;
  if (password.length < 16 || /\s/.test(password)) return problem(`the password in ${file} must be 16 characters or more, without spaces`);
  const withPassword = new URL(url);
  withPassword.password = encodeURIComponent(password);
  return { url: withPassword.toString() };
}

/** The token in DASHBOARD_TOKEN_FILE (surrounding whitespace ignored: files end with a newline). */
function readDashboardToken(file: string, inline: string | undefined): { token?: string; problem?: string } {
  const problem = (message: string) => ({ problem: `environment DASHBOARD_TOKEN_FILE: ${message}` });
  if (inline !== undefined) return problem('set DASHBOARD_TOKEN or DASHBOARD_TOKEN_FILE, not both');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return problem(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const parsed = DashboardTokenSchema.safeParse(text.trim());
  return parsed.success ? { token: parsed.data } : problem(`the token in ${file} must be ${parsed.error.issues[0]!.message}`);
}

/** The environment alone: for processes that do not run the fleet (first-party MCP servers). */
/**
 * EXECUTOR_KEY alone, for `fleetbot contract deploy`: the contract it deploys is not known yet, so the rule "both or
 * neither" of the executor settings does not apply. Undefined when unset.
 */
export function loadExecutorKey(env: Env = process.env): string | undefined {
  const result = EnvSchema.shape.EXECUTOR_KEY.safeParse(env.EXECUTOR_KEY);
  if (!result.success) throw new ConfigError([`environment EXECUTOR_KEY: ${result.error.issues[0]?.message ?? 'invalid'}`]);
  const key = result.data;
  return key === undefined ? undefined : key.startsWith('0x') ? key : `0x${key}`;
}

export function loadEnvConfig(env: Env = process.env, cwd = process.cwd()): EnvConfig {
  const { config, problems } = parseEnv(env, cwd);
  if (!config) throw new ConfigError(problems);
  return config;
}

/** The environment and the fleet manifest; every problem in both is reported at once. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const { config, problems } = parseEnv(env, cwd);
  const fleetFile = config?.fleetFile ?? path.resolve(cwd, env.FLEET_FILE || 'fleet.yaml');
  const manifest = readManifest(fleetFile, problems, config?.fleetBackend ?? 'process');
  if (!config || !manifest || problems.length > 0) throw new ConfigError(problems);
  return { ...config, manifest };
}

function readManifest(file: string, problems: string[], backend: FleetBackendKind): Manifest | undefined {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${shown}: cannot read the fleet manifest (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return undefined;
  }
  return parseManifest(text, shown, problems, backend);
}

/** Parses manifest text for the backend that will run it; problems are pushed as `file:line key: message`. */
export function parseManifest(text: string, shown: string, problems: string[], backend: FleetBackendKind = 'process'): Manifest | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line } = lineCounter.linePos(error.pos[0]);
      problems.push(`${shown}:${line}: ${error.message.split('\n')[0]}`);
    }
    return undefined;
  }
  const raw = doc.toJS();
  const result = ManifestSchema.safeParse(raw);
  // What the backend cannot run is reported with the rest, for every member that is valid on its own.
  const issues = [...(result.success ? [] : result.error.issues), ...backendIssues(result.success ? result.data.members : membersThatParse(raw), backend)];
  for (const issue of issues) {
    const key = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    problems.push(`${shown}:${lineOf(doc, lineCounter, issue.path)} ${key || '(top level)'}: ${issue.message}`);
  }
  return result.success && issues.length === 0 ? result.data : undefined;
}

/** The line of the deepest node of `keyPath` that exists in the document. */
function lineOf(doc: Document, lineCounter: LineCounter, keyPath: PropertyKey[]): number {
  for (let depth = keyPath.length; depth >= 0; depth--) {
    const node = doc.getIn(keyPath.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}

/** The notice routes this configuration makes: each Discord channel set for a kind, and the console's kinds. */
export function notifyRoutes(config: Pick<EnvConfig, 'discord' | 'notify'>): NotifyRoute[] {
  const discord = Object.entries(config.discord?.channels ?? {}).flatMap(([kind, channel]) => (channel ? [{ kind: kind as NotifyKind, sink: 'discord', destination: channel }] : []));
  return [...discord, ...config.notify.console.map((kind) => ({ kind, sink: 'console', destination: 'terminal' }))];
}
