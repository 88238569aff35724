import { describe, expect, it } from 'vitest';
import { stopLevels } from '../../../mcp-fleet/backends/member-runs.js';
import { Stack } from '../../../bot/stack.js';
import { createLogger } from '../../../telemetry/logger.js';
import type { Member } from '../../../config/manifest.js';

const quiet = () => createLogger({ level: 'error' });
const never = () => new Promise<void>(() => {});

describe('the shutdown sequence', () => {
  it('GIVEN parts deferred in start order THEN they stop in reverse, and `stopping` aborts before the first one', async () => {
    const stack = new Stack(quiet());
    const order: string[] = [];
    stack.defer('redis', async () => order.push('redis'));
    stack.defer('members', async () => order.push(`members (stopping: ${stack.stopping.aborted})`));
    stack.defer('agents', async () => order.push('agents'));
    const outcome = await stack.stop();
    expect(order).toEqual(['agents', 'members (stopping: true)', 'redis']);
    expect(outcome).toMatchObject({ complete: true, gaveUp: [], ended: 'done' });
  });

  it('GIVEN a part that never ends THEN it is given up after its bound and the rest still stop', async () => {
    const stack = new Stack(quiet());
    const order: string[] = [];
    stack.defer('redis', async () => order.push('redis'));
    stack.defer('agents', never, { boundMs: 50 });
    const outcome = await stack.stop();
    expect(order).toEqual(['redis']);
    expect(outcome).toMatchObject({ complete: true, gaveUp: ['agents'], ended: 'done' });
  });

  it('GIVEN the grace period runs out THEN the sequence ends at once and says what was left', async () => {
    const stack = new Stack(quiet(), 100);
    stack.defer('redis', async () => {});
    stack.defer('members', never, { boundMs: 10_000 });
    const started = Date.now();
    const outcome = await stack.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcome).toMatchObject({ complete: false, gaveUp: ['members', 'redis'], ended: 'grace' });
  });

  it('GIVEN a second signal (abort) THEN the sequence ends at once', async () => {
    const stack = new Stack(quiet());
    stack.defer('redis', async () => {});
    stack.defer('members', never, { boundMs: 10_000 });
    const stopping = stack.stop();
    stack.abort();
    expect(await stopping).toMatchObject({ complete: false, gaveUp: ['members', 'redis'], ended: 'aborted' });
  });
});

describe('stop order of members', () => {
  const member = (name: string, depends_on: string[] = []) => ({ name, depends_on }) as unknown as Member;
  it('GIVEN dependencies THEN dependents stop first, members of one level together', () => {
    const levels = stopLevels([member('redis-feed'), member('price', ['redis-feed']), member('arb', ['price', 'redis-feed']), member('lone')]);
    expect(levels.map((l) => l.map((m) => m.name))).toEqual([['arb'], ['price'], ['redis-feed', 'lone']]);
  });
});
