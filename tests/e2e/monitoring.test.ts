import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startDashboardFor } from '../../bot/roots.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { manifestText, ROOT, testServer, waitFor } from '../support/fleet.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { operator, startStack } from '../support/stack.js';

// What compose's monitoring file runs, without Docker: the bot (dashboard, commands) in this process and its
// agents in another, as compose splits them; the real Prometheus (Debian's) scraping /metrics with the committed
// prometheus.yml and a token file; and every query of the committed Grafana dashboard evaluated by that Prometheus.

const MONITORING = path.join(ROOT, 'deploy/monitoring');
const run = promisify(execFile);
const installed = (program: string) => run(program, ['--version']).then(() => true, () => false);

type Target = { expr: string; legendFormat?: string };
type Panel = { type: string; title: string; targets?: Target[] };
const dashboard = JSON.parse(readFileSync(path.join(MONITORING, 'grafana/dashboards/fleetbot.json'), 'utf8')) as { panels: Panel[] };

describe('monitoring: Prometheus and the Grafana dashboard against fleetbot', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  let base: string;
  let token: string;
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-monitoring-'));
  const member = testServer('alpha', 'stdio', { health: { interval: '300ms', timeout: '500ms', retries: 2, start_period: '10s' } });
  const metrics = async () => (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();

  beforeAll(async () => {
    token = randomBytes(24).toString('hex');
    writeFileSync(path.join(dir, 'dashboard_token'), `${token}\n`);
    s = await startStack([member], { agents: [], env: { DASHBOARD_PORT: '0', DASHBOARD_TOKEN_FILE: path.join(dir, 'dashboard_token') } });
    const url = (await startDashboardFor(s.stack, s.config, s.shared, s.bot))!;
    expect(new URL(url).searchParams.get('token')).toBe(token);
    base = new URL(url).origin;
    writeFileSync(path.join(dir, 'fleet.yaml'), manifestText([member]));
    children.push(
      spawn(process.execPath, [path.join(ROOT, 'bin/fleetbot.js'), 'agent', 'ops', 'health', 'healer'], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: s.hub.prefix, LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      }),
    );
    await waitFor(async () => ((await s.dispatcher.dispatchLine('/status', operator, 'test')).title.endsWith('1 healthy') ? true : undefined), { what: 'alpha healthy', timeoutMs: 30_000, everyMs: 250 });
  }, 60_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await s?.stop();
  });

  it("GIVEN agents in another process THEN the bot's /metrics carries their figures, and promtool finds nothing wrong with fleetbot's", async () => {
    for (let i = 0; i < 3; i++) await s.dispatcher.dispatchLine('/status', operator, 'test');
    // The ops agent's job durations are counted in its own process, and reach this one through Redis.
    const text = await waitFor(async () => {
      const t = await metrics();
      const count = /^fleetbot_job_duration_seconds_count\{queue="ops",job_name="status",outcome="completed"\} (\d+)$/m.exec(t);
      return count && Number(count[1]) >= 4 ? t : undefined;
    }, { what: "the ops agent's figures", timeoutMs: 15_000, everyMs: 250 });
    expect(text).toMatch(/^fleetbot_commands_total\{command="status",outcome="ok",via="console"\} \d+$/m);
    expect(text).toMatch(/^fleetbot_member_healthy\{member="alpha"\} 1$/m);

    expect(await installed('promtool'), 'promtool is needed: apt-get install -y prometheus').toBe(true);
    const check = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => resolve({ code, output }));
      child.stdin.end(text);
    });
    // Exit 3 is lint findings, 1 a text that does not parse. The only findings are prom-client's own Node.js
    // gauges named *_total; none is fleetbot's.
    const findings = check.output.split('\n').filter(Boolean);
    expect(check.code, check.output).not.toBe(1);
    for (const finding of findings) expect(finding).toMatch(/^nodejs_\w+ non-counter metrics should not have "_total" suffix$/);
  }, 30_000);

  it('GIVEN Prometheus with the committed prometheus.yml THEN it scrapes fleetbot with the token file, and every dashboard query evaluates', async () => {
    expect(await installed('prometheus'), 'Prometheus is needed: apt-get install -y prometheus').toBe(true);
    // The committed file, pointed at this test's bot, token file and a short interval; nothing else changes.
    const config = parse(readFileSync(path.join(MONITORING, 'prometheus.yml'), 'utf8')) as {
      global: { scrape_interval: string };
      scrape_configs: { job_name: string; authorization: { type: string; credentials_file: string }; static_configs: { targets: string[] }[] }[];
    };
    const [scrape] = config.scrape_configs;
    expect(scrape).toMatchObject({ job_name: 'fleetbot', authorization: { type: 'Bearer', credentials_file: '/run/secrets/dashboard_token' }, static_configs: [{ targets: ['127.0.0.1:8080'] }] });
    config.global.scrape_interval = '1s';
    scrape!.authorization.credentials_file = path.join(dir, 'dashboard_token');
    scrape!.static_configs[0]!.targets = [new URL(base).host];
    writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    expect((await run('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')])).stdout).toMatch(/SUCCESS/);

    const port = await freePort();
    const prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    children.push(prometheus);
    const query = async (expr: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`).catch(() => undefined);
      // A Prometheus still starting answers 503 "Service Unavailable" in plain text: not an answer yet.
      return response && ((await response.json().catch(() => undefined)) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } } | undefined);
    };
    const result = async (expr: string) => (await query(expr))?.data?.result ?? [];
    await waitFor(async () => ((await result('up{job="fleetbot"}'))[0]?.value[1] === '1' ? true : undefined), { what: 'Prometheus scraping fleetbot', timeoutMs: 30_000, everyMs: 250 });
    // Enough samples for rate() over the dashboard's interval.
    for (let i = 0; i < 3; i++) await s.dispatcher.dispatchLine('/status', operator, 'test');
    await new Promise((r) => setTimeout(r, 3000));

    const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$__rate_interval', '1m') })));
    expect(targets.length).toBeGreaterThan(25);
    for (const { panel, expr } of targets) {
      const answer = await query(expr);
      expect({ panel, status: answer?.status, error: answer?.error }).toEqual({ panel, status: 'success', error: undefined });
    }
    // The panels a user looks at first show this fleet: its member, the ops agent's jobs, the commands asked.
    const shown = async (title: string) => result(targets.find((t) => t.panel === title)!.expr);
    expect((await shown('Member health')).map((r) => [r.metric.member, r.value[1]])).toEqual([['alpha', '1']]);
    expect((await shown('Jobs finished per second')).map((r) => r.metric.queue)).toContain('ops');
    expect((await shown('Commands per second')).map((r) => `${r.metric.command} ${r.metric.outcome}`)).toContain('status ok');
    expect(Number((await shown('Memory'))[0]?.value[1])).toBeGreaterThan(10_000_000);
  }, 90_000);
});
