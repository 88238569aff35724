import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer } from '../support/fleet.js';
import { startDurableRedis } from '../support/redis-server.js';
import { operator, startStack } from '../support/stack.js';

// Redis dies (SIGKILL) and comes back, with its AOF, while 1,000 ops requests are in flight: every request is
// answered — with its result, or a clear error — and every restart asked for happens exactly once.

const MEMBERS = ['m1', 'm2', 'm3', 'm4', 'm5'];

describe('Redis restarted under load', () => {
  let redis: Awaited<ReturnType<typeof startDurableRedis>>;
  let s: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    redis = await startDurableRedis();
    s = await startStack(MEMBERS.map((m) => testServer(m)), { redisUrl: redis.url, agents: ['ops', 'health'], opsTimeoutMs: 45_000 });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await redis?.stop();
  });

  it('GIVEN 1,000 requests in flight WHEN Redis is killed and restarted THEN all are answered and each restart happens once', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => (i % 200 === 100 ? `/restart ${MEMBERS[i / 200 - 0.5]}` : i % 2 ? '/status' : `/logs ${MEMBERS[i % 5]} 3`));
    expect(lines.filter((l) => l.startsWith('/restart'))).toHaveLength(5);
    let answered = 0;
    const replies = lines.map((line) => s.dispatcher.dispatchLine(line, operator, 'fault').finally(() => answered++));
    await new Promise((r) => setTimeout(r, 150));
    const inFlight = lines.length - answered;
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    const done = await Promise.all(replies);

    expect(inFlight).toBeGreaterThan(100);
    for (const [i, reply] of done.entries()) {
      expect(reply.title.length, lines[i]).toBeGreaterThan(0);
      if (reply.tone === 'error') expect(reply.title, lines[i]).toMatch(/still running|cancelled|failed/);
    }
    const ok = done.filter((r) => r.tone !== 'error').length;
    expect(ok).toBeGreaterThan(990);
    const restarted = done.filter((r, i) => lines[i]!.startsWith('/restart'));
    for (const reply of restarted) expect(reply.title).toMatch(/^restarted m\d in [\d.]+ s — healthy$/);
    const states = await s.fleet!.backend.list();
    expect(Object.fromEntries(states.map((m) => [m.name, m.restarts]))).toEqual(Object.fromEntries(MEMBERS.map((m) => [m, 1])));
  }, 120_000);
});
