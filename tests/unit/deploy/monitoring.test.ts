import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEnvConfig } from '../../../config/index.js';
import { collectProcessMetrics, registry } from '../../../telemetry/metrics.js';
import { ROOT } from '../../support/fleet.js';

// As the process serving /metrics (the dashboard) does: its own process figures are among what it serves.
collectProcessMetrics();

// The monitoring file (docker-compose.monitoring.yml, added to compose or to a stack) is four files that must agree with each other and with fleetbot: the compose services,
// prometheus.yml, Grafana's provisioning, and the dashboard JSON, whose queries must name metrics fleetbot serves.
// tests/e2e/monitoring.test.ts runs the real Prometheus on them; these are the checks that need no Prometheus.

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
type Service = { profiles?: string[]; network_mode?: string; entrypoint?: string[]; command?: string[]; environment?: Record<string, string>; volumes?: string[]; secrets?: string[] };
type ComposeFile = { services: Record<string, Service>; secrets: Record<string, { file: string }> };
const base = parse(read('docker-compose.yml'), { merge: true, maxAliasCount: -1 }) as ComposeFile;
const monitoringFile = parse(read('docker-compose.monitoring.yml'), { merge: true, maxAliasCount: -1 }) as ComposeFile;
const compose: ComposeFile = { services: { ...base.services, ...monitoringFile.services }, secrets: { ...base.secrets, ...monitoringFile.secrets } };
const { prometheus, grafana, bot, alertmanager } = compose.services as Record<'prometheus' | 'grafana' | 'bot' | 'alertmanager', Service>;
/** An Alertmanager duration (`2s`, `4h`) in milliseconds. */
const parseDuration = (text: string) => {
  const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(text)!;
  return Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms'];
};
/** Compose's `${VAR:-default}` as compose reads it with VAR unset. */
const defaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

const scrape = (parse(read('deploy/monitoring/prometheus.yml')) as { scrape_configs: { job_name: string; authorization: { credentials_file: string }; static_configs: { targets: string[] }[] }[] }).scrape_configs;
const datasources = (parse(read('deploy/monitoring/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; url: string }[] }).datasources;
const providers = (parse(read('deploy/monitoring/grafana/provisioning/dashboards/fleetbot.yml')) as { providers: { options: { path: string } }[] }).providers;
type Panel = { id: number; type: string; title: string; datasource?: { uid: string }; gridPos: { x: number; w: number }; targets?: { expr: string; datasource: { uid: string } }[] };
const dashboard = JSON.parse(read('deploy/monitoring/grafana/dashboards/fleetbot.json')) as { uid: string; panels: Panel[] };

describe('the monitoring file', () => {
  it('GIVEN the compose files THEN Prometheus, Alertmanager and Grafana come only with the monitoring file, on the host network, listening on 127.0.0.1', () => {
    expect(Object.keys(monitoringFile.services)).toEqual(['prometheus', 'alertmanager', 'grafana']);
    expect(Object.keys(base.services)).not.toEqual(expect.arrayContaining(['prometheus']));
    expect(Object.keys(base.services).filter((name) => name in monitoringFile.services)).toEqual([]);
    expect([prometheus.network_mode, alertmanager.network_mode, grafana.network_mode]).toEqual(['host', 'host', 'host']);
    expect(alertmanager.command).toContain('--web.listen-address=127.0.0.1:${ALERTMANAGER_PORT:-9093}');
    // No cluster: its default listens on every interface.
    expect(alertmanager.command).toContain('--cluster.listen-address=');
    expect(prometheus.command).toContain('--web.listen-address=127.0.0.1:${PROMETHEUS_PORT:-9090}');
    expect(grafana.environment!.GF_SERVER_HTTP_ADDR).toBe('127.0.0.1');
  });

  it('GIVEN the dashboard token THEN the bot and Prometheus read the same secret, and Prometheus scrapes the bot where it listens', () => {
    const holders = Object.entries(compose.services).filter(([, s]) => s.secrets?.includes('dashboard_token')).map(([name]) => name);
    expect(holders).toEqual(['bot', 'prometheus']);
    expect(compose.secrets.dashboard_token!.file).toBe('${DASHBOARD_TOKEN_FILE:-deploy/dashboard_token}');
    expect(read('.gitignore').split('\n')).toContain('deploy/dashboard_token');
    expect(bot.environment!.DASHBOARD_TOKEN_FILE).toBe('/run/secrets/dashboard_token');
    expect(scrape).toHaveLength(1);
    expect(scrape[0]!.authorization.credentials_file).toBe('/run/secrets/dashboard_token');
    expect(scrape[0]!.static_configs[0]!.targets).toEqual([`127.0.0.1:${defaults(bot.environment!.DASHBOARD_PORT!)}`]);
    expect(prometheus.volumes).toContain('./deploy/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });

  it('GIVEN Alertmanager THEN Prometheus loads the committed rules and sends to it, and it reaches Discord with the webhook secret only it holds', () => {
    const config = parse(read('deploy/monitoring/prometheus.yml')) as { rule_files: string[]; alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } };
    expect(prometheus.volumes).toContain('./deploy/monitoring/rules:/etc/prometheus/rules:ro');
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.rules.yml']);
    expect(config.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual([`127.0.0.1:${defaults('${ALERTMANAGER_PORT:-9093}')}`]);
    expect(alertmanager.volumes).toContain('./deploy/monitoring/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro');
    expect(alertmanager.volumes).toContain('./deploy/monitoring/alertmanager-start.sh:/etc/alertmanager/alertmanager-start.sh:ro');
    expect(alertmanager.entrypoint).toEqual(['/bin/sh', '/etc/alertmanager/alertmanager-start.sh']);
    const holders = Object.entries(compose.services).filter(([, s]) => s.secrets?.includes('discord_webhook_url')).map(([name]) => name);
    expect(holders).toEqual(['alertmanager']);
    expect(compose.secrets.discord_webhook_url!.file).toBe('${DISCORD_WEBHOOK_URL_FILE:-deploy/discord_webhook_url}');
    expect(read('.gitignore').split('\n')).toContain('deploy/discord_webhook_url');
    // The committed config holds a placeholder the start script replaces, never a URL.
    expect(read('deploy/monitoring/alertmanager.yml')).not.toMatch(/https?:\/\//);
  });

  it("GIVEN Alertmanager's route THEN it groups and repeats as fleetbot's own notifier does by default", () => {
    const am = parse(read('deploy/monitoring/alertmanager.yml')) as { route: { group_wait: string; repeat_interval: string } };
    const { notify } = loadEnvConfig({}, ROOT);
    expect(parseDuration(am.route.group_wait)).toBe(notify.groupWaitMs);
    expect(parseDuration(am.route.repeat_interval)).toBe(notify.repeatIntervalMs);
  });

  it('GIVEN the alert rules THEN they name only metrics fleetbot serves', async () => {
    const served = new Set((await registry.getMetricsAsJSON()).flatMap((m) => (String(m.type) === 'histogram' ? ['_bucket', '_count', '_sum'].map((x) => `${m.name}${x}`) : [m.name])));
    const rules = readdirSync(path.join(ROOT, 'deploy/monitoring/rules')).filter((f) => f.endsWith('.rules.yml'));
    const names = rules.flatMap((f) => read(`deploy/monitoring/rules/${f}`).match(/\bfleetbot_[a-z0-9_]+/g) ?? []);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(served.has(name), name).toBe(true);
  });

  it('GIVEN Grafana THEN its data source is that Prometheus, and its dashboards are the committed ones', () => {
    expect(datasources).toHaveLength(1);
    expect(datasources[0]!.url).toBe('http://127.0.0.1:$PROMETHEUS_PORT');
    expect(grafana.environment!.PROMETHEUS_PORT).toBe('${PROMETHEUS_PORT:-9090}');
    expect(grafana.volumes).toContain('./deploy/monitoring/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(grafana.volumes).toContain(`./deploy/monitoring/grafana/dashboards:${providers[0]!.options.path}:ro`);
    expect(grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${providers[0]!.options.path}/fleetbot.json`);
  });

  it('GIVEN the dashboard THEN every query uses that data source and names only metrics fleetbot serves', async () => {
    const served = new Set<string>();
    for (const m of await registry.getMetricsAsJSON()) {
      served.add(m.name);
      if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) served.add(`${m.name}${suffix}`);
    }
    const queries = dashboard.panels.filter((p) => p.type !== 'row');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of queries) {
      expect(panel.datasource?.uid, panel.title).toBe(datasources[0]!.uid);
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) {
        expect(target.datasource.uid).toBe(datasources[0]!.uid);
        const names = target.expr.match(/\b(?:fleetbot|process|nodejs)_[a-z0-9_]+/g) ?? [];
        expect(names.length, target.expr).toBeGreaterThan(0);
        for (const name of names) expect(served.has(name), `${panel.title}: ${name}`).toBe(true);
      }
    }
    // Every fleetbot metric has a panel.
    const shown = queries.flatMap((p) => p.targets!.map((t) => t.expr)).join('\n');
    const fleetbot = [...served].filter((n) => n.startsWith('fleetbot_') && !/_(bucket|count|sum)$/.test(n));
    for (const name of fleetbot) expect(shown, name).toContain(name);
  });
});
