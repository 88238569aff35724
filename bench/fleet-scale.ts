import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

function startUp(fleetFile: string | undefined, redisUrl: string | undefined): Up {
  const began = performance.now();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_PREFIX: `fbbench-${randomUUID().slice(0, 8)}`, DASHBOARD_PORT: '0' };
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
