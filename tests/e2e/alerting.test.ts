import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../../mcp-fleet/ports.js';
import { fleetGauges, registry } from '../../telemetry/metrics.js';
import { startFakeDiscord, type FakeDiscord, type FakeMessage } from '../support/fake-discord/index.js';
import { ROOT, waitFor } from '../support/fleet.js';

// The watcher watched: fleetbot's committed alert rules pass `promtool check rules` and their unit tests, and the
// real chain — Debian's Prometheus evaluating the committed rules against a fleetbot /metrics, Debian's Alertmanager
// started by the committed start script with the committed config, the fake Discord's channel webhook — delivers the
// Watchdog and a member-down alert as Discord messages within Discord's limits. Without promtool, prometheus or
// prometheus-alertmanager these tests skip, saying so; FLEETBOT_REQUIRE_MONITORING=1 (set by .ci/run) fails instead.

const run = promisify(execFile);
const MONITORING = path.join(ROOT, 'deploy/monitoring');
const RULES = path.join(MONITORING, 'rules');
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const required = process.env.FLEETBOT_REQUIRE_MONITORING === '1';

const missing = ['promtool', 'prometheus'].filter((p) => !process.env.PATH?.split(':').some((dir) => existsSync(path.join(dir, p))));
if (!existsSync(ALERTMANAGER)) missing.push(ALERTMANAGER);
const skip = missing.length ? `not installed: ${missing.join(', ')} (apt-get install -y prometheus prometheus-alertmanager)` : '';
if (skip && required) throw new Error(`FLEETBOT_REQUIRE_MONITORING=1 but ${skip}`);

const ruleFiles = readdirSync(RULES).filter((f) => f.endsWith('.rules.yml'));
const testFiles = readdirSync(RULES).filter((f) => f.endsWith('.test.yml'));

describe.skipIf(skip)(`alert rules under promtool${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('GIVEN the committed rules THEN promtool check rules accepts every file, and each alert has unit tests that pass', async () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    const checked = await run('promtool', ['check', 'rules', ...ruleFiles.map((f) => path.join(RULES, f))]);
    expect(checked.stdout).not.toMatch(/FAILED/);
    const alerts = ruleFiles.flatMap((f) => (parse(readFileSync(path.join(RULES, f), 'utf8')) as { groups: { rules: { alert?: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.alert)));
    for (const wanted of ['Watchdog', 'FleetbotDown', 'FleetbotScrapeAbsent', 'AgentDown', 'MemberDown', 'MemberCrashLooping', 'QueueBacklog', 'JobFailureRate', 'ScannerStalled', 'ChainHeadNotMoving'])
      expect(alerts).toContain(wanted);

    // Every alert is named in some test's alert_rule_test, firing at least once.
    type UnitTest = { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] };
    const tested = new Set(
      testFiles.flatMap((f) => (parse(readFileSync(path.join(RULES, f), 'utf8')) as { tests: UnitTest[] }).tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname))),
    );
    for (const alert of alerts) expect(tested.has(alert!), `${alert} has a firing unit test`).toBe(true);
    const result = await run('promtool', ['test', 'rules', ...testFiles.map((f) => path.join(RULES, f))]).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/FAILED/);
  });
});

describe.skipIf(skip)(`Prometheus → Alertmanager → Discord webhook${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-alerting-'));
  const children: ChildProcess[] = [];
  let fake: FakeDiscord;
  let metricsServer: Server;
  let webhook: { id: string; token: string; url: string };
  let prometheusUrl = '';
  let alertmanagerUrl = '';

  beforeAll(async () => {
    fake = await startFakeDiscord();
    const alerts = fake.guilds[0]!.channels.find((c) => c.name === 'alerts')!;
    webhook = fake.createWebhook(alerts.id, 'fleetbot alerts');

    // fleetbot's /metrics as the bot serves it (its real registry), with the bearer token Prometheus sends: one member
    // down, one up, the agents alive.
    const token = randomBytes(24).toString('hex');
    writeFileSync(path.join(dir, 'dashboard_token'), `${token}\n`);
    fleetGauges.memberUp.set({ member: 'price-feed' }, 0);
    fleetGauges.memberUp.set({ member: 'liquidity' }, 1);
    fleetGauges.agentUp.set({ agent: 'health' }, 1);
    fleetGauges.agentHeartbeatAge.set({ agent: 'health' }, 2);
    metricsServer = createServer((req, res) => {
      if (req.url !== '/metrics' || req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    });
    await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));

    // Alertmanager: the committed config and start script, the webhook URL from a secret file.
    const alertmanagerPort = await freePort();
    alertmanagerUrl = `http://127.0.0.1:${alertmanagerPort}`;
    writeFileSync(path.join(dir, 'discord_webhook_url'), `${webhook.url}\n`);
    const alertmanager = spawn(
      'sh',
      [path.join(MONITORING, 'alertmanager-start.sh'), ALERTMANAGER, `--storage.path=${path.join(dir, 'alertmanager')}`, `--web.listen-address=127.0.0.1:${alertmanagerPort}`, '--cluster.listen-address='],
      {
        env: {
          PATH: process.env.PATH,
          DISCORD_WEBHOOK_URL_FILE: path.join(dir, 'discord_webhook_url'),
          ALERTMANAGER_TEMPLATE: path.join(MONITORING, 'alertmanager.yml'),
          ALERTMANAGER_CONFIG: path.join(dir, 'alertmanager-run', 'alertmanager.yml'),
        },
        stdio: ['ignore', 'ignore', openSync(path.join(dir, 'alertmanager.log'), 'w')],
      },
    );
    children.push(alertmanager);

    // Prometheus: the committed prometheus.yml, pointed at this test's /metrics, token file, rules and Alertmanager,
    // and evaluating every second. The rules themselves are the committed files, unchanged.
    const config = parse(readFileSync(path.join(MONITORING, 'prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
      scrape_configs: { authorization: { credentials_file: string }; static_configs: { targets: string[] }[] }[];
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.rules.yml']);
    config.global = { scrape_interval: '1s', evaluation_interval: '1s' };
    config.scrape_configs[0]!.authorization.credentials_file = path.join(dir, 'dashboard_token');
    config.scrape_configs[0]!.static_configs[0]!.targets = [`127.0.0.1:${(metricsServer.address() as AddressInfo).port}`];
    config.rule_files = [path.join(RULES, '*.rules.yml')];
    config.alerting.alertmanagers[0]!.static_configs[0]!.targets = [`127.0.0.1:${alertmanagerPort}`];
    writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    const prometheusPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    const prometheusArgs = [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prometheus')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
      // Prometheus finds its Alertmanager some seconds after start, and sends a firing alert again only after this
      // delay (1 m by default): the test's alerts would wait a minute for nothing.
      '--rules.alert.resend-delay=1s',
    ];
    children.push(spawn('prometheus', prometheusArgs, { stdio: ['ignore', 'ignore', openSync(path.join(dir, 'prometheus.log'), 'w')] }));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${alertmanagerPort}/-/ready`).catch(() => undefined))?.ok, { what: 'Alertmanager ready', timeoutMs: 30_000, everyMs: 200 });
  }, 60_000);

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
        child.kill('SIGKILL');
      }
    }
    metricsServer?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const titled = (m: FakeMessage, words: string[]) => words.every((w) => JSON.stringify(m.embeds).includes(w));
  /** What went wrong, when a message does not come: the webhook calls and the programs' last words. */
  const explain = async (error: Error) => {
    const get = async (url: string) => (await fetch(url).then((r) => r.text()).catch((e: Error) => e.message)).slice(0, 1500);
    const tail = (file: string) => readFileSync(path.join(dir, file), 'utf8').split('\n').slice(-15).join('\n');
    const calls = fake.calls.filter((c) => c.path.startsWith('/webhooks/')).map((c) => `${c.status} ${c.code ?? ''} ${JSON.stringify(c.body).slice(0, 300)}`);
    const apis = `prometheus alerts: ${await get(`${prometheusUrl}/api/v1/alerts`)}\nprometheus alertmanagers: ${await get(`${prometheusUrl}/api/v1/alertmanagers`)}\nalertmanager alerts: ${await get(`${alertmanagerUrl}/api/v2/alerts`)}`;
    throw new Error(`${error.message}\n${apis}\nwebhook calls:\n${calls.join('\n')}\nalertmanager:\n${tail('alertmanager.log')}\nprometheus:\n${tail('prometheus.log')}`);
  };

  it('GIVEN the committed rules and config THEN the Watchdog, then price-feed down, arrive in the channel as webhook messages within limits', async () => {
    const started = Date.now();
    const watchdog = await fake.waitForWebhookMessage(webhook.id, (m) => titled(m, ['FIRING', 'Watchdog']), 60_000).catch(explain);
    process.stderr.write(`alerting: Watchdog in Discord after ${Date.now() - started} ms\n`);
    // MemberDown waits `for: 1m` as committed, then Alertmanager's group_wait.
    const down = await fake.waitForWebhookMessage(webhook.id, (m) => titled(m, ['FIRING', 'MemberDown']), 150_000).catch(explain);
    process.stderr.write(`alerting: MemberDown in Discord after ${Date.now() - started} ms\n`);

    const embed = down.embeds[0] as { title: string; description: string };
    expect(embed.description).toContain('fleet member price-feed is down');
    expect(embed.description).not.toContain('liquidity');
    expect((watchdog.embeds[0] as { description: string }).description).toContain('Alerting works');
    // No scanner runs here: its figures are absent, not zero, so nothing says it stalled.
    expect(JSON.stringify(fake.webhookMessages(webhook.id))).not.toMatch(/ScannerStalled|ChainRpcDown|ChainHeadNotMoving/);
    process.stderr.write(`alerting: the member-down message: ${JSON.stringify(down.embeds).slice(0, 600)}\n`);
    // Every post was accepted by the fake, which refuses what Discord refuses (content 2000; 10 embeds, 6000
    // characters; title 256; description 4096), and carried no bot token: a webhook needs none.
    const posts = fake.calls.filter((c) => c.method === 'POST' && c.path.startsWith(`/webhooks/${webhook.id}/`));
    expect(posts.length).toBeGreaterThanOrEqual(2);
    for (const post of posts) expect({ status: post.status, code: post.code, authorized: post.authorized }).toEqual({ status: 204, code: undefined, authorized: false });
    for (const message of fake.webhookMessages(webhook.id)) {
      expect(message.content.length).toBeLessThanOrEqual(2000);
      expect(message.embeds.length).toBeLessThanOrEqual(10);
      const embeds = message.embeds as { title?: string; description?: string }[];
      expect(embeds.reduce((n, e) => n + (e.title?.length ?? 0) + (e.description?.length ?? 0), 0)).toBeLessThanOrEqual(6000);
    }
    // The secret-bearing config Alertmanager ran with is readable by its owner only.
    const { mode } = await import('node:fs').then((fs) => fs.statSync(path.join(dir, 'alertmanager-run', 'alertmanager.yml')));
    expect(mode & 0o077).toBe(0);
  }, 180_000);

  it('GIVEN a secret that is not a webhook URL THEN the start script refuses it and Alertmanager does not start', async () => {
    writeFileSync(path.join(dir, 'bad_url'), "https://discord.com/api/webhooks/1/x' injected: true\n");
    const failed = await run('sh', [path.join(MONITORING, 'alertmanager-start.sh'), ALERTMANAGER], {
      env: { PATH: process.env.PATH, DISCORD_WEBHOOK_URL_FILE: path.join(dir, 'bad_url'), ALERTMANAGER_TEMPLATE: path.join(MONITORING, 'alertmanager.yml'), ALERTMANAGER_CONFIG: path.join(dir, 'bad', 'am.yml') },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toMatch(/does not hold a Discord webhook URL/);
    expect(existsSync(path.join(dir, 'bad', 'am.yml'))).toBe(false);
  });
});
