import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, waitFor } from '../support/fleet.js';
import { isAlive, processesIn } from '../support/processes.js';
import { startDurableRedis } from '../support/redis-server.js';

// fleetbot's lifecycle on the real processes: the built CLI, its embedded redis-server, real members. The deadlines
// asserted are the promises of docs/reliability.md (10 s to stop, 5 s for members to follow a killed fleetbot),
// measured from the signal; everything else waits on what can be observed.

const EVERYTHING = path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

/** A small fleet of every kind: an HTTP member, a stdio member that depends on it, a third-party server, an agent. */
function fleetYaml(extra = ''): string {
  return `members:
  - name: monitoring
    transport: http
    command: [fleetbot, serve, monitoring, --http, --port, "\${PORT}"]
    env: { REDIS_URL: "\${REDIS_URL}", REDIS_PREFIX: "\${REDIS_PREFIX}" }
  - name: task-queue
    transport: stdio
    command: [fleetbot, serve, task-queue]
    env: { REDIS_URL: "\${REDIS_URL}", REDIS_PREFIX: "\${REDIS_PREFIX}" }
    depends_on: [monitoring]
  - name: everything
    transport: stdio
    command: [node, ${JSON.stringify(EVERYTHING)}, stdio]
    tags: [third-party]
  - name: reporter
    kind: agent
    command: [fleetbot, agent, reporter]
    env: { REDIS_URL: "\${REDIS_URL}", REDIS_PREFIX: "\${REDIS_PREFIX}" }
${extra}`;
}

/** A member that ignores everything a member should heed: SIGTERM, its stdin closing, its parent's death. */
const STUBBORN = `  - name: stubborn
    kind: agent
    command: [node, -e, "process.on('SIGTERM', () => {}); process.stdin.resume().on('end', () => {}); setInterval(() => {}, 1000)"]
`;

interface Run {
  child: ChildProcess;
  log: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const started: Run[] = [];
const dirs: string[] = [];

function scratch(yaml: string): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'fleetbot-lifecycle-')));
  writeFileSync(path.join(dir, 'fleet.yaml'), yaml);
  dirs.push(dir);
  return dir;
}

/** `fleetbot <args>` as a supervisor starts it: stdin open (never ended), logs on stderr at info. */
function start(args: string[], dir: string, env: Record<string, string> = {}, { ownGroup = false } = {}): Run {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), ...args], {
    cwd: dir,
    detached: ownGroup,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: process.env.LIFECYCLE_LOG_LEVEL ?? 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  child.stdout!.on('data', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const run = { child, log: () => log, exited };
  started.push(run);
  return run;
}

async function up(dir: string, members: number, options: { ownGroup?: boolean } = {}): Promise<Run> {
  const run = start(['up'], dir, {}, options);
  await waitFor(() => run.log().includes('fleetbot is up') || (run.child.exitCode !== null ? Promise.reject(new Error(run.log())) : undefined), { what: 'fleetbot is up', timeoutMs: 60_000 });
  expect(run.log()).toMatch(new RegExp(`fleetbot is up in [^:]+: ${members} fleet members`));
  return run;
}

/** The member processes fleetbot started (everything in the fleet's directory but fleetbot and its redis-server). */
function members(dir: string, fleetbotPid: number) {
  return processesIn(dir).filter((p) => p.pid !== fleetbotPid && !p.cmdline.startsWith('redis-server'));
}

afterEach(async () => {
  for (const run of started.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) for (const p of processesIn(dir)) process.kill(p.pid, 'SIGKILL');
});

describe('fleetbot lifecycle', () => {
  it.each([
    { how: 'every process of its tree (systemd KillMode=control-group)', kill: (tree: { pid: number }[]) => tree.forEach((p) => process.kill(p.pid, 'SIGTERM')) },
    { how: 'its process group (kill -- -PGID)', kill: (_tree: { pid: number }[], run: Run) => process.kill(-run.child.pid!, 'SIGTERM') },
  ])('GIVEN fleetbot up WHEN SIGTERM goes to $how THEN it exits 0 within 10 s, members stop dependents first, nothing is restarted, no process is left', async ({ how, kill }) => {
    const dir = scratch(fleetYaml());
    const run = await up(dir, 4, { ownGroup: true });
    const tree = processesIn(dir);
    expect(tree.length).toBe(6); // fleetbot, redis-server, 4 members
    const before = new Set(tree.map((p) => p.pid));

    const signalledAt = Date.now();
    kill(tree, run);
    // Anything new in the tree during the shutdown would be a member restarted (or started) meanwhile.
    const seen = new Set<number>();
    const watch = setInterval(() => processesIn(dir).forEach((p) => seen.add(p.pid)), 20);
    const exit = await run.exited;
    clearInterval(watch);
    const tookMs = exit.at - signalledAt;
    if (process.env.LIFECYCLE_LOG) writeFileSync(process.env.LIFECYCLE_LOG, run.log());
    console.log(`(a) SIGTERM to ${how} → fleetbot exited ${exit.code} in ${tookMs} ms`);

    expect(exit.code).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    expect([...seen].filter((pid) => !before.has(pid))).toEqual([]);
    expect(processesIn(dir)).toEqual([]);
    const log = run.log();
    const afterSignal = log.slice(log.indexOf('stopping'));
    expect(afterSignal).not.toMatch(/member started|restart/i);
    // task-queue depends on monitoring: it is stopped first.
    expect(afterSignal.indexOf('member exited member=task-queue')).toBeGreaterThan(-1);
    expect(afterSignal.indexOf('member exited member=task-queue')).toBeLessThan(afterSignal.indexOf('member exited member=monitoring'));
    expect(log.trim().split('\n').at(-1)).toMatch(/INFO  fleetbot: stopped in \d+\.\d s$/);
  }, 120_000);

  it('GIVEN fleetbot up WHEN fleetbot is SIGKILLed THEN every member is gone within 5 s, and the next fleetbot on that home finds nothing left behind', async () => {
    const dir = scratch(fleetYaml());
    const first = await up(dir, 4);
    const memberPids = members(dir, first.child.pid!).map((p) => p.pid);
    expect(memberPids.length).toBe(4);

    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    const goneAt = await waitFor(() => (memberPids.every((pid) => !isAlive(pid)) ? Date.now() : undefined), { what: 'members gone', timeoutMs: 30_000, everyMs: 20 });
    console.log(`(b) fleetbot SIGKILLed → its ${memberPids.length} members gone in ${goneAt - killedAt} ms`);
    expect(goneAt - killedAt).toBeLessThan(5000);

    // (d) The embedded redis-server outlives a SIGKILL (it has no way to notice): the next run stops it, and says
    // that no member was left.
    const second = await up(dir, 4);
    expect(second.log()).toMatch(/no members left behind by an earlier fleetbot/);
    expect(second.log()).toMatch(/stopped a redis-server left behind by an earlier run/);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(processesIn(dir)).toEqual([]);
  }, 180_000);

  it('GIVEN a member that ignores its parent\'s death WHEN fleetbot is SIGKILLed THEN the next fleetbot on that home stops it, and says so', async () => {
    const dir = scratch(fleetYaml(STUBBORN));
    const first = await up(dir, 5);
    const stubborn = members(dir, first.child.pid!).find((p) => p.cmdline.includes("process.on('SIGTERM'"));
    expect(stubborn).toBeDefined();
    first.child.kill('SIGKILL');
    // The well-behaved members go; the stubborn one stays — that is what the next run must deal with.
    await waitFor(() => members(dir, first.child.pid!).length === 1 || undefined, { what: 'only the stubborn member left', timeoutMs: 30_000 });
    expect(isAlive(stubborn!.pid)).toBe(true);

    const second = await up(dir, 5);
    expect(second.log()).toMatch(new RegExp(`stopped a member left behind by an earlier fleetbot member=stubborn pid=${stubborn!.pid}`));
    expect(isAlive(stubborn!.pid)).toBe(false);
    second.child.kill('SIGTERM');
    const exit = await second.exited;
    expect(exit.code).toBe(0);
    expect(processesIn(dir)).toEqual([]);
  }, 180_000);

  it('GIVEN an agent whose Redis is stopped WHEN it gets SIGTERM THEN it exits within 10 s with a clear last log line', async () => {
    const redis = await startDurableRedis();
    const dir = scratch(fleetYaml());
    const agent = start(['agent', 'healer', 'reporter'], dir, { REDIS_URL: redis.url, REDIS_PREFIX: `lifecycle-${process.pid}` });
    await waitFor(() => agent.log().includes('agents running') || undefined, { what: 'agents running', timeoutMs: 60_000 });
    await redis.kill();

    const signalledAt = Date.now();
    agent.child.kill('SIGTERM');
    const exit = await agent.exited;
    const tookMs = exit.at - signalledAt;
    const last = agent.log().trim().split('\n').at(-1)!;
    console.log(`(c) agent with its Redis stopped, SIGTERM → exited ${exit.code} in ${tookMs} ms; last line: ${last}`);
    expect(tookMs).toBeLessThan(10_000);
    expect(last).toMatch(/INFO  fleetbot: stopped in \d+\.\d s|WARN  fleetbot: stopped in \d+\.\d s; gave up waiting for /);
    expect(processesIn(dir)).toEqual([]);
  }, 120_000);
});
