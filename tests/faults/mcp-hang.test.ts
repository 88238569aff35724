import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer, waitFor } from '../support/fleet.js';
import { operator, startStack } from '../support/stack.js';

// An MCP server that accepts the connection and then never answers: calls time out instead of hanging, /status
// shows it, the healer restarts it, and once it answers again the pool talks to it as before.

describe('an MCP server that hangs', () => {
  const flag = path.join(mkdtempSync(path.join(tmpdir(), 'fleetbot-hang-')), 'answers');
  let s: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    const hung = testServer('hung', 'stdio', {
      health: { interval: '200ms', timeout: '300ms', retries: 2, start_period: '0s' },
      restart: { backoff_initial: '2s' },
    }, ['--deaf-unless', flag]);
    s = await startStack([hung]);
  }, 60_000);
  afterAll(() => s?.stop());

  it('GIVEN a hung server THEN calls time out, status says so, and after its restart the pool recovers', async () => {
    const began = Date.now();
    await expect(s.fleet!.pool.callTool('hung', 'echo', { text: 'x' }, 500)).rejects.toThrow(/^hung\.echo failed: (Request timed out|Connection closed)/);
    expect(Date.now() - began).toBeLessThan(3000);
    const row = await waitFor(async () => {
      const cells = (await s.dispatcher.dispatchLine('/status', operator, 'fault')).table!.rows[0]!.cells;
      return cells[2] === 'unhealthy' ? cells : undefined;
    }, { what: 'unhealthy' });
    expect(row[6]).toMatch(/did not answer ping: (cannot connect to hung: )?(Request timed out|Connection closed)/);
    // The server's fix is deployed; the healer's restart brings it back.
    writeFileSync(flag, 'ok');
    await waitFor(async () => ((await s.dispatcher.dispatchLine('/status', operator, 'fault')).table!.rows[0]!.cells[2] === 'healthy' ? true : undefined), {
      what: 'healthy again',
      timeoutMs: 20_000,
    });
    const echoed = await s.fleet!.pool.callTool('hung', 'echo', { text: 'back' });
    expect((echoed.content as { text: string }[])[0]!.text).toBe('back');
  }, 60_000);
});
