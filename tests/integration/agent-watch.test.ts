import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchAgents } from '../../agents/agent-watch.js';
import { startHeartbeat } from '../../agents/heartbeat.js';
import type { AgentDefinition } from '../../agents/agent.js';
import { AGENTS } from '../../agents/index.js';
import { ALIVE_MS, listAgents } from '../../state/heartbeats.js';
import { openShared } from '../../bot/roots.js';
import { Stack } from '../../bot/stack.js';
import { createLogger } from '../../telemetry/logger.js';
import { startDashboardFor } from '../../bot/roots.js';
import type { Alert } from '../../queues/notify.js';
import { manifestText, ROOT, testServer, waitFor } from '../support/fleet.js';
import { dropHub, testHub, TEST_REDIS_URL } from '../support/redis.js';
import { operator, startStack } from '../support/stack.js';

// The health agent watches the other agents' heartbeats: an agent killed (or stopped) raises `agent down` through the
// notify queue within its heartbeat timeout, resolved when it is back, and the bot's /metrics says the same.
// The watched agent is a real `fleetbot agent risk` process on the same Redis, as compose runs it.

describe('agent watch: an agent that stops beating is alerted and shown in /metrics', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let base: string;
  let token: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-agent-watch-'));
  const member = testServer('alpha', 'stdio', { health: { interval: '500ms', timeout: '1s', retries: 2, start_period: '10s' } });
  const children = new Set<ChildProcess>();

  const startRisk = () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'agent', 'risk'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: s.hub.prefix, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const alerts = async () => {
    const jobs = await s.shared.notify.queue.getJobs(['waiting', 'active', 'completed', 'delayed', 'failed']);
    return jobs.filter((j) => j.name === 'alert').map((j) => j.data as Alert).sort((a, b) => a.at - b.at);
  };
  // A restarted agent process may take a while to start on a busy machine: its return gets a generous deadline.
  const alertFor = (status: Alert['status'], after: number, timeoutMs = ALIVE_MS + 20_000) =>
    waitFor(async () => (await alerts()).find((a) => a.key === 'agent-risk-down' && a.status === status && a.at >= after), {
      what: `agent risk ${status}`,
      timeoutMs,
      everyMs: 200,
    });
  const metric = async (name: string, agent: string) => {
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const match = new RegExp(`^${name}\\{agent="${agent}"\\} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };

  beforeAll(async () => {
    token = randomBytes(24).toString('hex');
    writeFileSync(path.join(dir, 'dashboard_token'), `${token}\n`);
    writeFileSync(path.join(dir, 'fleet.yaml'), manifestText([member]));
    s = await startStack([member], { agents: ['health'], env: { DASHBOARD_PORT: '0', DASHBOARD_TOKEN_FILE: path.join(dir, 'dashboard_token') } });
    base = new URL((await startDashboardFor(s.stack, s.config, s.shared, s.bot))!).origin;
  }, 60_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN a running agent WHEN it is killed THEN `agent down` fires within its heartbeat timeout and resolves when it is back; fleetbot_agent_up follows', async () => {
    const risk = startRisk();
    await waitFor(async () => ((await metric('fleetbot_agent_up', 'risk')) === 1 ? true : undefined), { what: 'risk up in /metrics', timeoutMs: 90_000, everyMs: 200 });
    expect(await metric('fleetbot_agent_heartbeat_age_seconds', 'risk')).toBeLessThan(ALIVE_MS / 1000);
    // The watcher's own agent is shown too, and never alerted about by itself.
    expect(await metric('fleetbot_agent_up', 'health')).toBe(1);

    const killedAt = Date.now();
    risk.kill('SIGKILL');
    await once(risk, 'exit');
    const down = await alertFor('firing', killedAt);
    const detectedMs = down.at - killedAt;
    process.stderr.write(`agent watch: SIGKILL → agent down alert in ${detectedMs} ms (heartbeat timeout ${ALIVE_MS} ms)\n`);
    // Its last beat was at most one beat before the kill, so the alert comes within the timeout (plus one round).
    expect(detectedMs).toBeLessThanOrEqual(ALIVE_MS + 2000);
    expect(down).toMatchObject({ severity: 'critical', title: 'agent risk is down' });
    expect(down.detail).toMatch(/^no heartbeat for \d+ s, over the 15 s allowed \(last: risk@\S+, pid \d+ on \S+\)$/);
    expect(await metric('fleetbot_agent_up', 'risk')).toBe(0);
    expect(await metric('fleetbot_agent_heartbeat_age_seconds', 'risk')).toBeGreaterThanOrEqual(ALIVE_MS / 1000);

    const restartedAt = Date.now();
    const again = startRisk();
    const back = await alertFor('resolved', restartedAt, 90_000);
    expect(back.title).toBe('agent risk is back');
    expect(await metric('fleetbot_agent_up', 'risk')).toBe(1);
    // One announcement per outage: the watcher does not fire again every round.
    expect((await alerts()).filter((a) => a.key === 'agent-risk-down' && a.status === 'firing')).toHaveLength(1);

    // A clean stop removes the agent's heartbeat entry; it is still an agent gone, and alerted at once.
    const stoppedAt = Date.now();
    again.kill('SIGTERM');
    await once(again, 'exit');
    const stopped = await alertFor('firing', stoppedAt);
    process.stderr.write(`agent watch: SIGTERM → agent down alert in ${stopped.at - stoppedAt} ms\n`);
    expect(stopped.at - stoppedAt).toBeLessThan(ALIVE_MS);
    expect(await metric('fleetbot_agent_up', 'risk')).toBe(0);
    expect((await alerts()).some((a) => a.key === 'agent-health-down')).toBe(false);
  }, 240_000);
});

describe('agent watch: restarts and shutdowns are not outages', () => {
  it("GIVEN a watcher just started and an agent of its own process THEN no alert during one heartbeat timeout, none for its own agent stopping, and one for the absent agent after", async () => {
    const hub = testHub();
    const stack = new Stack(createLogger({ level: 'error' }));
    const { notify } = openShared(stack, hub);
    try {
      // An agent last seen (in another process) just before this watcher started: a deploy in progress.
      const now = Date.now();
      await hub.client.hset(hub.key('agents', 'seen'), 'scanner', JSON.stringify({ at: now - 1000, instance: 'scanner@elsewhere:1:abcd' }));
      const ownAgent = startHeartbeat(hub, 'reporter');
      const watch = watchAgents({ hub, notify, log: createLogger({ level: 'error' }), self: 'health', everyMs: 200 });
      const startedAt = Date.now();
      const alerts = async () => (await notify.queue.getJobs(['waiting'])).filter((j) => j.name === 'alert').map((j) => j.data as Alert);
      await waitFor(async () => ((await hub.client.hexists(hub.key('agents', 'seen'), 'reporter')) ? true : undefined), { what: 'reporter beating' });
      await ownAgent.stop();
      // The reporter, of this process, stopped: the process is shutting down, not the reporter failing.
      const scanner = await waitFor(async () => (await alerts()).find((a) => a.key === 'agent-scanner-down'), { what: 'scanner down', timeoutMs: ALIVE_MS + 10_000, everyMs: 200 });
      expect(scanner.at - startedAt).toBeGreaterThanOrEqual(ALIVE_MS);
      expect(scanner.detail).toMatch(/^no heartbeat for \d+ s, over the 15 s allowed \(last: scanner@elsewhere:1:abcd\)$/);
      await watch.round();
      expect((await alerts()).map((a) => a.key)).toEqual(['agent-scanner-down']);
      await watch.stop();
    } finally {
      await stack.stop();
      await dropHub(hub);
    }
  }, 60_000);
});

// Agents are restartable where they run: `/restart agent <name>` goes through the dispatcher (operate, audited) to the
// process that hosts the agent — this stack (as `fleetbot up` runs everything in one process) or a separate
// `fleetbot agent` process — and the healer restarts an agent that hangs while its process lives.
describe('agent control: /restart agent, and a hung agent healed', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-agent-control-'));
  const children = new Set<ChildProcess>();
  const member = testServer('alpha', 'stdio', { health: { interval: '500ms', timeout: '1s', retries: 2, start_period: '10s' } });
  // A member that shares its name with an agent: the member wins unless the kind says agent.
  const namesake = testServer('ops', 'stdio', { health: { interval: '500ms', timeout: '1s', retries: 2, start_period: '10s' } });
  // A test agent whose first copy hangs after its first beat: its heartbeat entry stays and goes stale, as a blocked
  // agent's does, while this process (its host) beats on. Later copies beat as agents do.
  let stuckCopies = 0;
  let stuckHungAt = 0;
  const stuck: AgentDefinition = {
    name: 'stuck',
    description: 'test agent: its first copy hangs',
    needsFleet: false,
    start({ hub }) {
      const heartbeat = startHeartbeat(hub, 'stuck');
      if (++stuckCopies === 1) {
        stuckHungAt = Date.now();
        void heartbeat.stop({ restarting: true });
      }
      return { ready: Promise.resolve(), stop: (how) => heartbeat.stop(how) };
    },
  };
  const ask = (line: string) => s.dispatcher.dispatchLine(line, operator, 'console');
  const beatOf = async (name: string) => (await listAgents(s.hub)).find((a) => a.name === name);
  const notices = async (name: 'alert' | 'healing') => {
    const jobs = await s.shared.notify.queue.getJobs(['waiting', 'active', 'completed', 'delayed', 'failed']);
    return jobs.filter((j) => j.name === name).map((j) => j.data).sort((a, b) => a.at - b.at);
  };

  beforeAll(async () => {
    writeFileSync(path.join(dir, 'fleet.yaml'), manifestText([member, namesake]));
    s = await startStack([member, namesake], { agents: ['ops', 'health', 'healer', 'risk', 'stuck'], definitions: [...AGENTS, stuck] });
  }, 60_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN `/restart agent risk` in the console THEN the agent of this process restarts, beats afresh, and the change is audited', async () => {
    const before = await waitFor(() => beatOf('risk'), { what: 'risk beating' });
    const reply = await ask('/restart agent risk');
    expect(reply.tone).toBe('ok');
    expect(reply.title).toMatch(/^restarted agent risk in \d+(\.\d+)? s — alive \(fresh heartbeat\)$/);
    const after = (await beatOf('risk'))!;
    expect(after.startedAt).toBeGreaterThan(before.startedAt);
    expect(after.alive).toBe(true);
    // The kind word as the seeds write it, and a bare agent name that is no member's: the same road.
    expect((await ask('!restart agent risk')).title).toMatch(/^restarted agent risk in /);
    expect((await ask('/restart risk')).title).toMatch(/^restarted agent risk in /);
    expect((await beatOf('risk'))!.startedAt).toBeGreaterThan(after.startedAt);
    const audited = await s.shared.audit.recent(3);
    expect(audited.map((e) => [e.command, e.args, e.outcome, e.user.name])).toEqual([
      ['restart', { member: 'risk' }, 'ok', operator.name],
      ['restart', { member: 'risk', kind: 'agent' }, 'ok', operator.name],
      ['restart', { member: 'risk', kind: 'agent' }, 'ok', operator.name],
    ]);
    // A member's restart is unchanged, the `server` kind word included.
    expect((await ask('/restart server alpha')).title).toMatch(/^restarted alpha in .* — healthy$/);
    // A name both a member and an agent have: the member, unless the kind says agent.
    const opsAgent = (await beatOf('ops'))!;
    expect((await ask('/restart ops')).title).toMatch(/^restarted ops in .* — healthy$/);
    expect((await beatOf('ops'))!.startedAt).toBe(opsAgent.startedAt);
    expect((await ask('/restart agent ops')).title).toMatch(/^restarted agent ops in .* — alive \(fresh heartbeat\)$/);
    expect((await beatOf('ops'))!.startedAt).toBeGreaterThan(opsAgent.startedAt);
    // The ops agent, fresh, answers the member's restart as before.
    expect((await ask('/restart ops')).title).toMatch(/^restarted ops in .* — healthy$/);
  }, 60_000);

  it('GIVEN a name no process runs THEN one line naming the agents it can restart; a name that is neither stays an unknown member', async () => {
    const unknown = await ask('/restart agent nope');
    expect(unknown.tone).toBe('error');
    expect(unknown.title).toBe('`nope` is no agent a fleetbot process runs — agents it can restart: healer, health, ops, risk, stuck');
    expect(unknown.body).toBeUndefined();
    // Not an agent of fleetbot's registry either: the member road's answer, with its suggestion.
    expect((await ask('/restart alpah')).title).toMatch(/^unknown member `alpah` — did you mean `alpha`\?/);
    const [latest] = await s.shared.audit.recent(1);
    expect(latest).toMatchObject({ command: 'restart', outcome: 'failed' });
  });

  it('GIVEN an agent in a separate `fleetbot agent` process THEN /restart reaches that process; once it is killed, one clear line at once', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'agent', 'reporter'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: s.hub.prefix, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    children.add(child);
    const before = await waitFor(() => beatOf('reporter'), { what: 'reporter beating', timeoutMs: 60_000, everyMs: 200 });
    // Its control queue is read once the process is up: the host entry says so.
    await waitFor(async () => ((await s.shared.control.restartable()).includes('reporter') ? true : undefined), { what: 'reporter restartable', timeoutMs: 30_000, everyMs: 200 });
    const reply = await ask('/restart agent reporter');
    expect(reply.title).toMatch(/^restarted agent reporter in .* — alive \(fresh heartbeat\)$/);
    expect(reply.body).toBe(`in process ${before.host}:${child.pid}`);
    expect((await beatOf('reporter'))!.startedAt).toBeGreaterThan(before.startedAt);

    child.kill('SIGKILL');
    await once(child, 'exit');
    const began = Date.now();
    const gone = await ask('/restart agent reporter');
    const tookMs = Date.now() - began;
    process.stderr.write(`agent control: /restart of an agent whose process was just killed answered in ${tookMs} ms\n`);
    expect(gone.tone).toBe('error');
    expect(gone.title).toMatch(new RegExp(`^agent reporter ran in process \\S+:${child.pid}, which no longer listens: fleetbot cannot reach it — start that process again \\(fleetbot agent reporter\\) — agents it can restart: healer, health, ops, risk, stuck$`));
    expect(tookMs).toBeLessThan(s.config.opsTimeoutMs);
  }, 120_000);

  it('GIVEN an agent that stops beating while its process lives THEN `agent down` fires, the healer restarts it once with a notice, and the alert resolves', async () => {
    const down = await waitFor(async () => (await notices('alert')).find((a) => a.key === 'agent-stuck-down' && a.status === 'firing'), { what: 'agent stuck down', timeoutMs: ALIVE_MS + 30_000, everyMs: 200 });
    expect(down.title).toBe('agent stuck is down');
    const healing = await waitFor(async () => (await notices('healing')).find((n) => n.answers === 'agent stuck is down'), { what: 'healing notice', timeoutMs: 30_000, everyMs: 200 });
    expect(healing.title).toMatch(/^agent stuck stopped beating \(silent for \d+ s while its process \S+:\d+ runs\) → restarted in \d+(\.\d+)? s, alive$/);
    expect(healing.at).toBeGreaterThanOrEqual(down.at);
    const back = await waitFor(async () => (await notices('alert')).find((a) => a.key === 'agent-stuck-down' && a.status === 'resolved'), { what: 'agent stuck back', timeoutMs: 30_000, everyMs: 200 });
    expect(back.title).toBe('agent stuck is back');
    const lastBeat = (await s.hub.client.hget(s.hub.key('agents', 'seen'), 'stuck'))!;
    process.stderr.write(`agent control: hung agent → down alert, healing notice, resolved at ${down.at - stuckHungAt} / ${healing.at - stuckHungAt} / ${back.at - stuckHungAt} ms after its last beat (limit ${ALIVE_MS} ms)\n`);
    expect(JSON.parse(lastBeat).at).toBeGreaterThan(back.at - ALIVE_MS);
    expect((await beatOf('stuck'))!.alive).toBe(true);
    expect(stuckCopies).toBe(2);
    expect((await s.shared.audit.recent(20)).find((e) => e.command === 'heal')).toMatchObject({ user: { name: 'healer' }, args: { agent: 'stuck' }, outcome: 'ok' });
    // Once per incident: no second healing, no second restart.
    expect((await notices('healing')).filter((n) => n.answers === 'agent stuck is down')).toHaveLength(1);
  }, 120_000);
});
