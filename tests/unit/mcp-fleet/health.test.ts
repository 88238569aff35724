import { describe, expect, it } from 'vitest';
import { nextHealth, type Health, type Probe } from '../../../mcp-fleet/health.js';
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
