import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

/**
 * `fleetbot up` as a user starts it, measured: command → first `/status` answer on the console (the default fleet
 * of 9, seed-21), and the whole process tree's idle CPU and resident memory once the fleet is up (9, 21, 81).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TICKS_PER_SECOND = 100;

interface Up {
  child: ChildProcess;
  /** ms from spawn to the first status table on stdout */
  firstAnswer: Promise<number>;
  stop(): Promise<void>;
}

function startUp(fleetFile: string | undefined, redisUrl: string | undefined, prefix = `fbbench-${randomUUID().slice(0, 8)}`): Up {
  const began = performance.now();
  // A home of its own, as on a first start: the embedded Redis loads nothing an earlier run left in .fleetbot/.
  const home = mkdtempSync(path.join(tmpdir(), 'fleetbot-bench-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_PREFIX: prefix, DASHBOARD_PORT: '0', FLEETBOT_HOME: home };
  if (fleetFile) env.FLEET_FILE = fleetFile;
  if (redisUrl) env.REDIS_URL = redisUrl;
  const child = spawn(process.execPath, ['bin/fleetbot.js', 'up'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.write('status\n');
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const firstAnswer = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (/fleet: \d+ members/.test(out)) resolve(performance.now() - began);
    });
    child.once('exit', (code) => reject(new Error(`fleetbot up exited ${code}: ${err.slice(-500)}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    firstAnswer,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The process and all its descendants, from /proc. */
function tree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i++) for (const [pid, ppid] of parent) if (ppid === pids[i]) pids.push(pid);
  return pids;
}

/** CPU ticks (user + system) and resident kB of each process. */
function usage(pids: number[]): { ticks: number; rssKb: number } {
  let ticks = 0;
  let rssKb = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(0).split(') ')[1]!.split(' ');
      ticks += Number(stat[11]) + Number(stat[12]);
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return { ticks, rssKb };
}

/** Up to its first answer; then, after `settleMs`, the tree's CPU over `windowMs` and its memory. */
async function measureUp(fleetFile: string | undefined, redisUrl: string | undefined, settleMs: number, windowMs: number) {
  const up = startUp(fleetFile, redisUrl);
  try {
    const firstMs = await up.firstAnswer;
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const pids = tree(up.child.pid!);
    const before = usage(pids);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const after = usage(pids);
    const cpu = ((after.ticks - before.ticks) / TICKS_PER_SECOND / (windowMs / 1000)) * 100;
    return { firstMs, processes: pids.length, cpu, rssMb: after.rssKb / 1024 };
  } finally {
    await up.stop();
  }
}

export async function benchFleetScale(sizes: readonly (9 | 21 | 81)[] = [9, 21, 81]): Promise<string[]> {
  const files = { 9: undefined, 21: 'fleets/seed-21.yaml', 81: 'fleets/stress-81.yaml' } as const;
  const out = [`fleetbot up (embedded redis-server), node ${process.version}: command → first /status answer; then idle 20 s in, the whole process tree over 10 s`];
  for (const size of sizes) {
    const m = await measureUp(files[size], undefined, 20_000, 10_000);
    out.push(
      `  ${String(size).padStart(2)} members: first /status ${(m.firstMs / 1000).toFixed(2)} s${size === 9 ? ' (target ≤ 3 s)' : ''}; idle: ${m.processes} processes, CPU ${m.cpu.toFixed(1)} % of one core${size === 81 ? ' (target ≤ 15 %)' : ''}, RSS ${m.rssMb.toFixed(0)} MB`,
    );
  }
  return out;
}

/**
 * A long idle watch (`npm run bench -- idle-81`, FLEETBOT_IDLE_MINUTES, default 10): fleets/stress-81.yaml under
 * `fleetbot up` against REDIS_URL (or 127.0.0.1:6379), until all 81 are healthy; then every second, the health
 * state of each member — any member seen other than healthy is named — and the tree's CPU over the whole watch.
 */
export async function benchIdle81(minutes = Number(process.env.FLEETBOT_IDLE_MINUTES ?? 10)): Promise<string[]> {
  const redisUrl = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `fbbench-idle-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(redisUrl);
  const up = startUp('fleets/stress-81.yaml', redisUrl, prefix);
  try {
    const firstMs = await up.firstAnswer;
    const statuses = async () => Object.entries(await redis.hgetall(`${prefix}:health`)).map(([name, json]) => [name, JSON.parse(json) as { status: string; reason?: string }] as const);
    const deadline = Date.now() + 120_000;
    let healthy = 0;
    for (;;) {
      healthy = (await statuses()).filter(([, h]) => h.status === 'healthy').length;
      if (healthy === 81 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const allHealthyMs = performance.now();
    if (healthy < 81) return [`stress-81: only ${healthy} of 81 healthy 2 min after the start — no idle watch`];
    const pids = tree(up.child.pid!);
    const before = usage(pids);
    const seen = new Map<string, string>();
    const end = Date.now() + minutes * 60_000;
    while (Date.now() < end) {
      for (const [name, h] of await statuses()) if (h.status !== 'healthy' && !seen.has(name)) seen.set(name, `${h.status}${h.reason ? ` (${h.reason})` : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const after = usage(pids);
    const cpu = ((after.ticks - before.ticks) / TICKS_PER_SECOND / (minutes * 60)) * 100;
    return [
      `fleets/stress-81.yaml under fleetbot up (REDIS_URL), node ${process.version}: first /status ${(firstMs / 1000).toFixed(2)} s, all 81 healthy ${(allHealthyMs / 1000).toFixed(1)} s after the command`,
      `  ${minutes} idle minutes, health read every second: ${seen.size === 0 ? 'no member ever other than healthy (target: none)' : `${seen.size} seen other than healthy: ${[...seen].map(([n, why]) => `${n}: ${why}`).join('; ')}`}`,
      `  idle CPU of the whole tree (${pids.length} processes) over the ${minutes} minutes: ${cpu.toFixed(1)} % of one core (target ≤ 15 %), RSS ${(after.rssKb / 1024).toFixed(0)} MB`,
    ];
  } finally {
    await up.stop();
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  }
}
