import { describe, expect, it } from 'vitest';
import type { HealthCheck, MemberState } from '../../../mcp-fleet/backends/index.js';
import { nextHealth, probe, type Probe } from '../../../mcp-fleet/health.js';
import type { Health } from '../../../state/health.js';
import type { McpPool } from '../../../mcp-fleet/pool.js';
import { member } from '../../support/fleet.js';

const m = member({ name: 'price-feed', command: ['x'], health: { retries: 3, start_period: '10s' } });
const STARTED = 1_000_000;
const up = (ok: boolean): Probe => (ok ? { running: true, startedAt: STARTED, ok: true, latencyMs: 3.4 } : { running: true, startedAt: STARTED, ok: false, reason: 'ping timed out' });

function run(probes: [at: number, probe: Probe][]): Health[] {
  const out: Health[] = [];
  for (const [at, probe] of probes) out.push(nextHealth(out.at(-1), probe, m, STARTED + at));
  return out;
}

describe('health thresholds (docker semantics)', () => {
  it('GIVEN a first successful ping THEN healthy at once, with its latency', () => {
    expect(run([[100, up(true)]])[0]).toMatchObject({ status: 'healthy', failures: 0, latencyMs: 3 });
  });

  it('GIVEN failures inside the start period THEN still starting, however many', () => {
    const states = run([[100, up(false)], [200, up(false)], [300, up(false)], [400, up(false)]]);
    expect(states.map((s) => s.status)).toEqual(['starting', 'starting', 'starting', 'starting']);
  });

  it('GIVEN a healthy member THEN it turns unhealthy only after `retries` failures in a row', () => {
    const states = run([[11_000, up(true)], [12_000, up(false)], [13_000, up(false)], [14_000, up(false)]]);
    expect(states.map((s) => s.status)).toEqual(['healthy', 'healthy', 'healthy', 'unhealthy']);
    expect(states[3]).toMatchObject({ failures: 3, reason: 'ping timed out', since: STARTED + 14_000 });
  });

  it('GIVEN an unhealthy member THEN one success makes it healthy again', () => {
    const states = run([[11_000, up(false)], [12_000, up(false)], [13_000, up(false)], [14_000, up(true)]]);
    expect(states.map((s) => s.status)).toEqual(['starting', 'starting', 'unhealthy', 'healthy']);
  });

  it('GIVEN a member whose process is gone THEN down with the reason, and a new run starts afresh', () => {
    const states = run([[11_000, up(true)], [12_000, { running: false, reason: 'exited with code 137', exit: { code: 137, signal: null, crashed: true } }]]);
    expect(states[1]).toMatchObject({ status: 'down', reason: 'exited with code 137', exit: { code: 137, crashed: true } });
    const restarted: Probe = { running: true, startedAt: STARTED + 13_000, ok: false, reason: 'connection refused' };
    expect(nextHealth(states[1], restarted, m, STARTED + 13_100).status).toBe('starting');
  });

  it('GIVEN health earned by an earlier run THEN a failing probe of the new run is not healthy', () => {
    const healthy = run([[11_000, up(true)]])[0]!;
    const newRun: Probe = { running: true, startedAt: STARTED + 20_000, ok: false, reason: 'connection refused' };
    expect(nextHealth(healthy, newRun, m, STARTED + 20_050)).toMatchObject({ status: 'starting', failures: 1 });
  });

  it('keeps `since` while the status stays the same', () => {
    const states = run([[11_000, up(true)], [16_000, up(true)]]);
    expect(states[1]!.since).toBe(STARTED + 11_000);
  });
});

describe('health from a container check (docker semantics, applied by the engine)', () => {
  const checked = (check: HealthCheck): Probe => ({ running: true, startedAt: STARTED, checked: check });
  const running = (check: HealthCheck): MemberState => ({ name: 'price-feed', state: 'running', startedAt: STARTED, restarts: 0, check });
  const pool = (answers: boolean) => {
    const calls: string[] = [];
    const fake = { ping: async (name: string) => (calls.push(name), answers ? 2 : Promise.reject(new Error('price-feed did not answer ping: connection refused'))) };
    return { pool: fake as unknown as McpPool, calls };
  };

  it('GIVEN the verdict of the check THEN it stands as it is, with no thresholds of fleetbot on top', () => {
    expect(nextHealth(undefined, checked({ status: 'unhealthy', failures: 1, reason: 'Health check exceeded timeout (1s)' }), m, STARTED + 100)).toMatchObject({
      status: 'unhealthy',
      failures: 1,
      reason: 'Health check exceeded timeout (1s)',
    });
    expect(nextHealth(undefined, checked({ status: 'healthy', failures: 0 }), m, STARTED + 100)).toEqual({ status: 'healthy', since: STARTED + 100, checkedAt: STARTED + 100, failures: 0 });
  });

  it('GIVEN a verdict THEN MCP ping is not asked', async () => {
    for (const status of ['healthy', 'unhealthy'] as const) {
      const { pool: p, calls } = pool(true);
      expect(await probe(m, running({ status, failures: 0 }), p)).toEqual(checked({ status, failures: 0 }));
      expect(calls).toEqual([]);
    }
  });

  it('GIVEN no verdict yet on this run THEN an answered ping is healthy already, and a failed one leaves it starting', async () => {
    const starting: HealthCheck = { status: 'starting', failures: 0 };
    expect(await probe(m, running(starting), pool(true).pool)).toEqual({ running: true, startedAt: STARTED, ok: true, latencyMs: 2 });
    expect(await probe(m, running(starting), pool(false).pool)).toEqual(checked(starting));
  });
});
