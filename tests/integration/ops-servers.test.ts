import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemberSchema } from '../../config/manifest.js';
import { AuditLog } from '../../security/audit.js';
import { writeFleetStatus } from '../../state/fleet-status.js';
import { SilenceStore } from '../../state/silences.js';
import { publishMetrics } from '../../telemetry/shared-metrics.js';
import { startFleet } from '../support/host.js';
import { dropHub, TEST_REDIS_URL, testHub } from '../support/redis.js';

// The first-party servers written for seed-21's ops roles, each run as a fleet member (real process, real MCP SDK
// over stdio) against real Redis holding what fleetbot writes there.

const text = (result: unknown) => ((result as { content: { text: string }[] }).content[0]!.text);

describe("seed-21's ops servers", () => {
  const hub = testHub();
  let fleet: Awaited<ReturnType<typeof startFleet>>;
  const redisEnv = { REDIS_URL: '${REDIS_URL}', REDIS_PREFIX: '${REDIS_PREFIX}' };
  const member = (name: string, env: Record<string, string> = redisEnv) => MemberSchema.parse({ name, command: ['fleetbot', 'serve', name], env });

  beforeAll(async () => {
    fleet = await startFleet(
      [member('auth-manager'), member('alert-manager'), member('metrics-collector'), member('coordinator', { FLEET_FILE: 'fleets/seed-21.yaml' })],
      { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: hub.prefix },
    );
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
    await dropHub(hub);
  });

  it('GIVEN a member unhealthy and another silenced THEN alert-manager lists what fires, marked silenced or not, and the silence', async () => {
    const base = { description: '', kind: 'mcp' as const, transport: 'stdio' as const, state: 'running' as const, restarts: 0, tags: [] };
    await writeFleetStatus(hub, {
      at: Date.now(),
      members: [
        { ...base, name: 'price-feed', health: 'unhealthy', reason: 'ping timed out' },
        { ...base, name: 'liquidity', health: 'unhealthy' },
        { ...base, name: 'portfolio', health: 'healthy' },
      ],
    });
    await new SilenceStore(hub).silence('liquidity', 3_600_000, 'ana');
    const alerts = await fleet.pool.callTool('alert-manager', 'alerts', {});
    expect(text(alerts)).toBe('price-feed: unhealthy (ping timed out)\nliquidity: unhealthy, silenced');
    expect(text(await fleet.pool.callTool('alert-manager', 'silences', {}))).toMatch(/^liquidity: silenced by ana for (59 min|60 min|1 h)/);
  });

  it('GIVEN audited requests THEN auth-manager answers the trail, newest first, and by person', async () => {
    const audit = new AuditLog(hub, async () => {});
    const entry = { via: 'console', channel: 'console', args: { member: 'price-feed' }, detail: '' };
    await audit.record({ ...entry, at: 1_000, user: { id: 'u1', name: 'ana' }, command: 'restart', outcome: 'ok' });
    await audit.record({ ...entry, at: 2_000, user: { id: 'u2', name: 'bo' }, command: 'stop', outcome: 'denied' });
    expect(text(await fleet.pool.callTool('auth-manager', 'audit_trail', { count: 5 })).split('\n')).toEqual([
      '1970-01-01T00:00:02.000Z bo via console: /stop {"member":"price-feed"} → denied',
      '1970-01-01T00:00:01.000Z ana via console: /restart {"member":"price-feed"} → ok',
    ]);
    expect(text(await fleet.pool.callTool('auth-manager', 'audit_trail', { user: 'ana' }))).toMatch(/^[^\n]* ana via console: \/restart [^\n]*$/);
  });

  it('GIVEN fleets/seed-21.yaml THEN coordinator gives its start order and what a member going down affects', async () => {
    const order = text(await fleet.pool.callTool('coordinator', 'start_order', {})).split(' → ');
    expect(order).toHaveLength(21);
    expect(order.indexOf('blockchain')).toBeLessThan(order.indexOf('price-feed'));
    expect(order.indexOf('price-feed')).toBeLessThan(order.indexOf('arbitrage'));
    expect(text(await fleet.pool.callTool('coordinator', 'impact', { member: 'blockchain' }))).toBe(
      'blockchain needs nothing; if it goes down, price-feed, arbitrage, liquidity, flash-loan, risk-manager, portfolio are affected',
    );
    const unknown = await fleet.pool.callTool('coordinator', 'impact', { member: 'nope' });
    expect(unknown.isError).toBe(true);
  });

  it("GIVEN fleetbot's metrics in Redis THEN metrics-collector answers them as Prometheus text, only the lines asked for", async () => {
    const publisher = publishMetrics(hub);
    try {
      const answer = await fleet.pool.callTool('metrics-collector', 'metrics', { match: 'fleetbot_' });
      const lines = text(answer).split('\n');
      expect(lines).toContainEqual(expect.stringMatching(/^# TYPE fleetbot_\w+ (counter|gauge|histogram)$/));
      expect(lines.every((l) => l.includes('fleetbot_'))).toBe(true);
      expect((answer.structuredContent as { series: number }).series).toBe(lines.filter((l) => !l.startsWith('#')).length);
      expect(text(await fleet.pool.callTool('metrics-collector', 'metrics', { match: 'no_such_metric' }))).toBe('no metrics published yet');
    } finally {
      await publisher.stop();
    }
  });
});
