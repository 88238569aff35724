import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Reply } from '../commands/index.js';
import type { Config } from '../config/index.js';
import { readJson } from '../redis/json.js';
import type { Caller } from '../security/permissions.js';
import { renderText } from './reply-text.js';
import * as roots from './roots.js';
import type { Stack } from './stack.js';

/**
 * The command line against a running fleet: `fleetbot status`, `logs -f`, `restart`, … run one request through the
 * same dispatcher and audit as the console (the caller is the console operator), print the reply (or JSON), and
 * exit non-zero when it failed. The fleet is found through REDIS_URL, or through the state file `fleetbot up` keeps
 * under FLEETBOT_HOME while it runs. Side effects: reads and writes `<home>/fleet.json` (only `up` writes it).
 */

const FleetFileSchema = z.object({ redisUrl: z.string(), prefix: z.string(), pid: z.number() });

/** Exit codes: 0 done, 1 the request failed or was refused, 2 no fleet to talk to. */
export const EXIT = { ok: 0, failed: 1, noFleet: 2 } as const;

export class NoFleetError extends Error {}

function fleetFile(home: string) {
  return path.join(home, 'fleet.json');
}

/** Written by `fleetbot up` once Redis answers; removed when it stops. */
export function publishFleet(stack: Stack, home: string, redisUrl: string, prefix: string): void {
  mkdirSync(home, { recursive: true });
  writeFileSync(fleetFile(home), JSON.stringify({ redisUrl, prefix, pid: process.pid }), { mode: 0o600 });
  stack.defer('fleet state file', async () => rmSync(fleetFile(home), { force: true }));
}

/** Where the running fleet's Redis is: REDIS_URL, or the state file of a live `fleetbot up`. */
export function findFleet(config: Config): { url: string; prefix: string } {
  if (config.redis.url) return { url: config.redis.url, prefix: config.redis.prefix };
  let raw: string | undefined;
  try {
    raw = readFileSync(fleetFile(config.home), 'utf8');
  } catch {
    // No file: no fleet started here.
  }
  const state = readJson(FleetFileSchema, raw);
  if (state && alive(state.pid)) return { url: state.redisUrl, prefix: state.prefix };
  throw new NoFleetError(
    `no running fleet found under ${config.home}: start one with \`npx fleetbot up\` (in this folder), or set REDIS_URL to the fleet's Redis (and REDIS_PREFIX if it is not "fleetbot")`,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RemoteOptions {
  json?: boolean;
  output?: NodeJS.WritableStream;
}

/** Opens the road to the running fleet for one caller (the console operator). */
export async function openRemote(stack: Stack, config: Config) {
  const { url, prefix } = findFleet(config);
  const shared = roots.openShared(stack, await roots.openRedis(stack, { ...config, redis: { url, prefix } }, { embedded: false }));
  const bot = await roots.openBot(stack, config, shared);
  const caller: Caller = { id: `cli:${process.env.USER ?? process.pid}`, name: process.env.USER ?? 'cli', permission: config.console.permission, via: 'cli' };
  return { bot, caller };
}

/** One request, its reply printed; resolves to the exit code. */
export async function runRemote(stack: Stack, config: Config, line: string, { json = false, output = process.stdout }: RemoteOptions = {}): Promise<number> {
  const { bot, caller } = await openRemote(stack, config);
  const reply = await bot.dispatcher.dispatchLine(line, caller, 'cli', 'console');
  output.write(json ? `${JSON.stringify(asJson(reply))}\n` : `${renderText(reply)}\n`);
  return reply.tone === 'error' ? EXIT.failed : EXIT.ok;
}

/** `logs -f`: the member's new lines as they come (polled through the same road), until interrupted. */
export async function followLogs(stack: Stack, config: Config, member: string, count: number, { json = false, output = process.stdout, everyMs = 300 }: RemoteOptions & { everyMs?: number } = {}): Promise<number> {
  const { bot, caller } = await openRemote(stack, config);
  const seen = new Set<string>();
  let first = true;
  for (;;) {
    const reply = await bot.dispatcher.dispatchLine(`/logs ${member} ${first ? count : 500}`, caller, 'cli', 'console');
    if (reply.tone === 'error') {
      output.write(json ? `${JSON.stringify(asJson(reply))}\n` : `${renderText(reply)}\n`);
      return EXIT.failed;
    }
    const lines = (reply.code?.text ?? '').split('\n').filter(Boolean);
    for (const line of lines) {
      if (seen.has(line)) continue;
      seen.add(line);
      output.write(json ? `${JSON.stringify({ member, line })}\n` : `${line}\n`);
    }
    // Lines carry their timestamp, so a repeated text is still a new line; the set only needs the recent window.
    if (seen.size > 20_000) for (const old of [...seen].slice(0, 10_000)) seen.delete(old);
    first = false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function asJson(reply: Reply) {
  const { image, ...rest } = reply;
  return { ok: reply.tone !== 'error', ...rest, ...(image ? { image: { filename: image.filename, bytes: image.png.length } } : {}) };
}
