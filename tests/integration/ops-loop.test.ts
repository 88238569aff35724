import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENTS } from '../../agents/index.js';
import { AuditLog } from '../../security/audit.js';
import { member, SUPPORT, testServer, waitFor } from '../support/fleet.js';
import { operator, reader, startStack } from '../support/stack.js';

// The whole loop on real Redis and real MCP servers: dispatcher → ops queue → ops agent → fleet → reply.

const FLEET = [
  testServer('alpha', 'stdio'),
  testServer('beta', 'http'),
  // Left as they are (restart policy "no"), so the healer does not change what these tests look at.
  member({ name: 'crasher', command: ['node', '-e', "console.error('boom: no config'); process.exit(3)"], restart: { policy: 'no' } }),
  member({
    name: 'deaf',
    command: ['node', path.join(SUPPORT, 'mcp/deaf-server.mjs')],
    health: { interval: '200ms', timeout: '200ms', retries: 2, start_period: '0s' },
    restart: { policy: 'no' },
  }),
  member({ name: 'monitoring', transport: 'http', command: ['fleetbot', 'serve', 'monitoring', '--http', '--port', '${PORT}'], env: { REDIS_URL: '${REDIS_URL}', REDIS_PREFIX: '${REDIS_PREFIX}' } }),
  member({ name: 'task-queue', command: ['fleetbot', 'serve', 'task-queue'], env: { REDIS_URL: '${REDIS_URL}', REDIS_PREFIX: '${REDIS_PREFIX}' } }),
];

describe('the ops loop', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  const ask = (line: string, caller = operator) => s.dispatcher.dispatchLine(line, caller, 'test');
  const row = async (name: string) => (await ask('/status')).table!.rows.find((r) => r.cells[0] === name)!.cells;
  const audit = () => new AuditLog(s.hub, async () => {}).recent(50);

  beforeAll(async () => {
    s = await startStack(FLEET);
    // The deaf member needs a few missed pings to be judged.
    await waitFor(async () => ((await row('deaf'))[2] === 'unhealthy' ? true : undefined), { what: 'deaf unhealthy', timeoutMs: 45_000 });
  }, 90_000);
  afterAll(() => s?.stop());

  it('GIVEN the fleet THEN /status shows every member with state, health, uptime and restarts', async () => {
    const reply = await ask('/status');
    expect(reply.table!.columns).toEqual(['member', 'state', 'health', 'uptime', 'restarts', 'ping', 'note']);
    const rows = Object.fromEntries(reply.table!.rows.map((r) => [r.cells[0], r.cells]));
    expect(Object.keys(rows)).toEqual(FLEET.map((m) => m.name));
    for (const name of ['alpha', 'beta', 'monitoring', 'task-queue']) {
      expect(rows[name]!.slice(1, 3)).toEqual(['running', 'healthy']);
      expect(rows[name]![3]).toMatch(/s$/);
      expect(rows[name]![4]).toBe('0');
    }
    expect(rows.crasher!.slice(1, 3)).toEqual(['exited (3)', 'down']);
    expect(rows.crasher![6]).toBe('exited with code 3');
    expect(rows.deaf!.slice(1, 3)).toEqual(['running', 'unhealthy']);
    expect(rows.deaf![6]).toContain('did not answer ping');
    expect(reply.title).toMatch(/^fleet: 6 members — /);
  });

  it('GIVEN /restart THEN the member restarts, the reply says how long it took, and restarts goes up by one', async () => {
    const before = Number((await row('alpha'))[4]);
    const reply = await ask('/restart alpha');
    expect(reply.tone).toBe('ok');
    expect(reply.title).toMatch(/^restarted alpha in \d+\.\d+ s — healthy$/);
    expect(Number((await row('alpha'))[4])).toBe(before + 1);
    expect((await row('alpha'))[2]).toBe('healthy');
    expect((await audit())[0]).toMatchObject({ command: 'restart', args: { member: 'alpha' }, outcome: 'ok', user: { id: 'u-ops', name: 'olga' }, via: 'console' });
  });

  it('GIVEN two restarts of one member at once THEN it restarts once and both callers get the answer', async () => {
    const before = Number((await row('beta'))[4]);
    const [a, b] = await Promise.all([ask('/restart beta'), ask('/restart beta')]);
    expect([a.tone, b.tone]).toEqual(['ok', 'ok']);
    expect(a.title).toBe(b.title);
    expect(Number((await row('beta'))[4])).toBe(before + 1);
  });

  it('GIVEN a secret in a member log THEN /logs shows the line, redacted', async () => {
    const key = '7cbe7b285d386938e9ef9b2be485c1ba5d83ccc1f2fc4a8b455caad5b8c3f423';
    await s.fleet!.pool.callTool('alpha', 'say_to_stderr', { line: `loaded PRIVATE_KEY=0x${key} for signer` });
    const reply = await waitFor(async () => {
      const r = await ask('/logs alpha 3');
      return r.code?.text.includes('for signer') ? r : undefined;
    }, { what: 'log line' });
    expect(reply.title).toBe('last 3 log lines of alpha');
    expect(reply.code!.filename).toBe('alpha.log');
    expect(reply.code!.text).toMatch(/Z loaded PRIVATE_KEY=\[REDACTED secret\] for signer$/);
    expect(reply.code!.text).not.toContain(key);
  });

  it('GIVEN bad input THEN each gets a one-line error and the loop keeps serving', async () => {
    const cases: [string, RegExp][] = [
      ['/logs pricefeed', /^unknown member `pricefeed` — members: alpha, beta, crasher, deaf, monitoring, task-queue$/],
      ['/logs alpah 5', /^unknown member `alpah` — did you mean `alpha`\? members: /],
      ['/logs alpha -5', /^count must be at least 1 — usage: \/logs <member> \[count\]$/],
      ['/logs alpha 100000', /^count must be at most 5000 — usage: /],
      ['/logs', /^missing <member> — usage: /],
      ['', /^empty request — type `help` for the commands$/],
      ['x'.repeat(10_240), /^request too long \(10240 characters; the limit is 2000\)$/],
      ['/stauts', /^unknown command `stauts` — did you mean `status`\? commands: agents, /],
      ['what is going on?', /^unknown command `what` — commands: /],
    ];
    for (const [line, expected] of cases) {
      const reply = await ask(line);
      expect(reply.tone, line.slice(0, 30)).toBe('error');
      expect(reply.title).toMatch(expected);
      expect(reply.title).not.toContain('\n');
      expect(reply.body ?? '').toBe('');
    }
    expect((await ask('/status')).table!.rows).toHaveLength(FLEET.length);
  });

  it('GIVEN a caller with read permission THEN /restart is refused, audited, and nothing restarts', async () => {
    const before = (await row('alpha'))[4];
    const reply = await ask('/restart alpha', reader);
    expect(reply).toMatchObject({ tone: 'error', title: 'you need the `operate` permission for this (you have `read`)' });
    expect((await row('alpha'))[4]).toBe(before);
    expect((await audit())[0]).toMatchObject({ command: 'restart', outcome: 'denied', user: { id: 'u-read' } });
  });

  it('GIVEN /servers THEN every MCP server is listed with its tools, or why it cannot be reached', async () => {
    const reply = await ask('/servers');
    const rows = Object.fromEntries(reply.table!.rows.map((r) => [r.cells[0], r.cells]));
    expect(rows.alpha![2]).toBe('echo, uptime, sleep, freeze, say_to_stderr');
    expect(rows.monitoring![1]).toBe('http');
    expect(rows['task-queue']![2]).toBe('queue_counts, failed_jobs, retry_job');
    expect(rows.crasher![2]).toBe('unavailable: crasher is not running');
    const detail = await ask('/servers task-queue');
    expect(detail.table!.rows.map((r) => r.cells.slice(0, 2))).toEqual([['queue_counts', 'no'], ['failed_jobs', 'no'], ['retry_job', 'yes']]);
  });

  it('GIVEN /agents THEN the ops and health agents are alive', async () => {
    const reply = await ask('/agents');
    expect(reply.table!.rows.map((r) => r.cells.slice(0, 2))).toEqual(AGENTS.map((a) => [a.name, 'alive']));
  });

  it('GIVEN a crash THEN a critical alert goes to the notify queue', async () => {
    const notify = new Queue('notify', { connection: s.hub.client, prefix: s.hub.prefix });
    try {
      const alerts = await waitFor(async () => {
        const jobs = await notify.getJobs(['waiting', 'completed', 'active', 'delayed']);
        const found = jobs.filter((j) => j.name === 'alert' && j.data.key === 'crasher-down');
        return found.length ? found : undefined;
      }, { what: 'crasher alert' });
      expect(alerts[0]!.data).toMatchObject({ key: 'crasher-down', status: 'firing', severity: 'critical', title: 'crasher is down', detail: 'exited with code 3' });
    } finally {
      await notify.close();
    }
  });

  it("GIVEN the monitoring and task-queue servers THEN their tools read fleetbot's own state", async () => {
    const pool = s.fleet!.pool;
    const text = (r: { content: unknown }) => (r.content as { text: string }[])[0]!.text;
    const fleet = await pool.callTool('monitoring', 'fleet_status', {});
    expect((fleet.structuredContent as { members: { name: string }[] }).members.map((m) => m.name)).toEqual(FLEET.map((m) => m.name));
    expect(text(await pool.callTool('monitoring', 'member_status', { member: 'crasher' }))).toBe('crasher: exited, down, 0 restarts (exited with code 3)');
    expect(text(await pool.callTool('monitoring', 'agents', {}))).toMatch(/^health on .+: alive/m);

    const ops = new Queue('ops', { connection: s.hub.client, prefix: s.hub.prefix });
    try {
      // A payload that breaks the schema fails at once, without retries.
      const bad = await ops.add('logs', { member: 'alpha', tail: -1 });
      await waitFor(async () => ((await bad.isFailed()) ? true : undefined), { what: 'failed job' });
      const failed = await pool.callTool('task-queue', 'failed_jobs', { queue: 'ops', limit: 5 });
      expect(text(failed)).toContain(`#${bad.id} logs: invalid logs payload`);
      const counts = (await pool.callTool('task-queue', 'queue_counts', {})).structuredContent as { counts: Record<string, Record<string, number>> };
      expect(counts.counts.ops!.failed).toBeGreaterThanOrEqual(1);
      expect(counts.counts.ops!.completed).toBeGreaterThan(5);
      expect(text(await pool.callTool('task-queue', 'retry_job', { queue: 'ops', id: bad.id! }))).toBe(`job ${bad.id} (logs) on ops is queued again`);
      const notFailed = await pool.callTool('task-queue', 'retry_job', { queue: 'ops', id: 'nope' });
      expect(notFailed.isError).toBe(true);
    } finally {
      await ops.close();
    }
  });
});

describe('the ops loop without an ops agent', () => {
  it('GIVEN no agent takes the job THEN the user hears so within the timeout, and the job does not run later', async () => {
    const s = await startStack([testServer('alpha')], { agents: [], opsTimeoutMs: 500 });
    try {
      const reply = await s.dispatcher.dispatchLine('/restart alpha', operator, 'test');
      expect(reply.title).toBe('no agent took the restart request within 0.50 s, so it was cancelled — is its agent running? (see /agents)');
      const ops = new Queue('ops', { connection: s.hub.client, prefix: s.hub.prefix });
      expect(await ops.getJobCounts('waiting', 'active', 'delayed')).toEqual({ waiting: 0, active: 0, delayed: 0 });
      await ops.close();
      const agents = await s.dispatcher.dispatchLine('/agents', operator, 'test');
      expect(agents.title).toBe(`${AGENTS.length} of ${AGENTS.length} agents not running`);
    } finally {
      await s.stop();
    }
  });
});
