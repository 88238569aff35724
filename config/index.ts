import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import type { RiskSettings } from '../defi/risk.js';
import { ManifestSchema, type Manifest } from '../mcp-fleet/manifest.js';
import { DurationSchema } from './duration.js';

/**
 * fleetbot's configuration: the environment and `fleet.yaml`, parsed once at start-up with zod.
 * This is the only module that reads `process.env`; everything else receives a Config.
 */

const PermissionSchema = z.enum(['read', 'operate', 'admin']);

const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const optionalUrl = unsetIfEmpty(z.url());
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

export const EnvSchema = z.object({
  REDIS_URL: optionalUrl.describe('Redis for queues and state; unset: `fleetbot up` runs its own redis-server'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').default('fleetbot'),
  FLEET_FILE: z.string().default('fleet.yaml'),
  FLEET_BACKEND: z.enum(['process']).default('process'),
  FLEETBOT_HOME: z.string().default('.fleetbot').describe('local state: embedded Redis data'),
  RPC_URL: optionalUrl.describe('JSON-RPC endpoint of the chain'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  OPS_TIMEOUT: DurationSchema.default(30_000).describe('how long a command waits for its job'),
  CONSOLE_PERMISSION: PermissionSchema.default('admin').describe('what the console user may do'),
  POOLS_FILE: unsetIfEmpty(z.string()).describe('the pools file (DEXes, tokens, pairs) the scanner and DeFi servers watch'),
  EXECUTOR_KEY: unsetIfEmpty(z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 32-byte hex private key')).describe('key the executor signs with; unset: execution off'),
  EXECUTOR_CONTRACT: unsetIfEmpty(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address')).describe('FlashArbitrage deployed by the executor key'),
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

export type Permission = z.infer<typeof PermissionSchema>;
export type LogLevel = NonNullable<z.infer<typeof EnvSchema>['LOG_LEVEL']>;

export interface EnvConfig {
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
  fleetBackend: 'process';
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

function parseEnv(env: Env, cwd: string): { config?: EnvConfig; problems: string[] } {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    return { problems: result.error.issues.map((issue) => `environment ${issue.path.join('.')}: ${issue.message}`) };
  }
  const e = result.data;
  if ((e.EXECUTOR_KEY === undefined) !== (e.EXECUTOR_CONTRACT === undefined)) {
    return { problems: ['environment EXECUTOR_KEY and EXECUTOR_CONTRACT: set both to enable execution, or neither'] };
  }
  return {
    problems: [],
    config: {
      redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
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
    },
  };
}

/** The environment alone: for processes that do not run the fleet (first-party MCP servers). */
export function loadEnvConfig(env: Env = process.env, cwd = process.cwd()): EnvConfig {
  const { config, problems } = parseEnv(env, cwd);
  if (!config) throw new ConfigError(problems);
  return config;
}

/** The environment and the fleet manifest; every problem in both is reported at once. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const { config, problems } = parseEnv(env, cwd);
  const fleetFile = config?.fleetFile ?? path.resolve(cwd, env.FLEET_FILE || 'fleet.yaml');
  const manifest = readManifest(fleetFile, problems);
  if (!config || !manifest || problems.length > 0) throw new ConfigError(problems);
  return { ...config, manifest };
}

function readManifest(file: string, problems: string[]): Manifest | undefined {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${shown}: cannot read the fleet manifest (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return undefined;
  }
  return parseManifest(text, shown, problems);
}

/** Parses manifest text; problems are pushed as `file:line key: message`. */
export function parseManifest(text: string, shown: string, problems: string[]): Manifest | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const { line } = lineCounter.linePos(error.pos[0]);
      problems.push(`${shown}:${line}: ${error.message.split('\n')[0]}`);
    }
    return undefined;
  }
  const result = ManifestSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const key = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    problems.push(`${shown}:${lineOf(doc, lineCounter, issue.path)} ${key || '(top level)'}: ${issue.message}`);
  }
  return undefined;
}

/** The line of the deepest node of `keyPath` that exists in the document. */
function lineOf(doc: Document, lineCounter: LineCounter, keyPath: PropertyKey[]): number {
  for (let depth = keyPath.length; depth >= 0; depth--) {
    const node = doc.getIn(keyPath.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}
