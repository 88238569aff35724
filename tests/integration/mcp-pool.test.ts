import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth } from '../../mcp-fleet/health.js';
import { HealthStore } from '../../state/health.js';
import { member, ROOT, SUPPORT, testServer, waitFor } from '../support/fleet.js';
import { startFleet } from '../support/host.js';
import { dropHub, testHub } from '../support/redis.js';

type Fleet = Awaited<ReturnType<typeof startFleet>>;
const fleets: Fleet[] = [];
async function fleetOf(...members: Parameters<typeof startFleet>[0]) {
  const fleet = await startFleet(members);
  fleets.push(fleet);
  return fleet;
}
const text = (result: { content: unknown }) => (result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');

afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.close()));
});

describe.each(['stdio', 'http'] as const)('MCP pool over %s', (transport) => {
  it('GIVEN a running server THEN tools are listed, called and pinged', async () => {
    const { pool } = await fleetOf(testServer('srv', transport));
    const tools = await waitFor(() => pool.tools('srv').catch(() => undefined), { what: 'tools' });
    expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'freeze', 'say_to_stderr', 'sleep', 'uptime']);
    expect(text(await pool.callTool('srv', 'echo', { text: 'hello fleet' }))).toBe('hello fleet');
    expect(await pool.ping('srv', 1000)).toBeLessThan(1000);
  });

  it('GIVEN a tool call in flight WHEN the member restarts THEN the call fails at once and the pool talks to the new process', async () => {
    const { pool, backend } = await fleetOf(testServer('srv', transport));
    await waitFor(() => pool.ping('srv', 1000).catch(() => undefined), { what: 'first ping' });
    const began = Date.now();
    const inFlight = pool.callTool('srv', 'sleep', { ms: 20_000 });
    const outcome = inFlight.then(() => 'answered', (error: Error) => error.message);
    await new Promise((r) => setTimeout(r, 200));
    await backend.restart('srv');
    expect(await outcome).toMatch(/^srv\.sleep failed: /);
    expect(Date.now() - began).toBeLessThan(10_000);
    const echoed = await waitFor(() => pool.callTool('srv', 'echo', { text: 'after restart' }).catch(() => undefined), { what: 'reconnect' });
    expect(text(echoed)).toBe('after restart');
  });

  it('GIVEN a stopped member THEN calls fail with a clear message', async () => {
    const { pool, backend } = await fleetOf(testServer('srv', transport));
    await backend.stop('srv');
    await expect(pool.callTool('srv', 'echo', { text: 'x' })).rejects.toThrow('srv is not running');
  });
});

describe('MCP pool', () => {
  it('GIVEN a server that accepts the connection but never answers THEN ping times out and health turns unhealthy', async () => {
    const deaf = member({ name: 'deaf', command: ['node', path.join(SUPPORT, 'mcp/deaf-server.mjs')], health: { interval: '100ms', timeout: '200ms', retries: 2, start_period: '0s' } });
    const fleet = await fleetOf(deaf);
    await expect(fleet.pool.ping('deaf', 200)).rejects.toThrow(/deaf did not answer ping: Request timed out/);
    const hub = testHub();
    try {
      const store = new HealthStore(hub);
      await checkHealth(store, deaf, fleet.backend, fleet.pool);
      const { after } = await checkHealth(store, deaf, fleet.backend, fleet.pool);
      expect(after).toMatchObject({ status: 'unhealthy', failures: 2, reason: expect.stringContaining('did not answer ping') });
      expect((await store.get('deaf'))?.status).toBe('unhealthy');
    } finally {
      await dropHub(hub);
    }
  });

  it('GIVEN a third-party server (server-everything) as a member THEN its tools work like ours', async () => {
    const everything = member({
      name: 'everything',
      command: ['node', path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'],
      tags: ['third-party'],
    });
    const { pool } = await fleetOf(everything);
    const tools = await waitFor(() => pool.tools('everything').catch(() => undefined), { what: 'tools', timeoutMs: 15_000 });
    expect(tools.map((t) => t.name)).toContain('echo');
    expect(text(await pool.callTool('everything', 'echo', { message: 'from fleetbot' }))).toContain('from fleetbot');
  });

  it('GIVEN a name that is not an MCP member THEN it says so', async () => {
    const { pool } = await fleetOf(member({ name: 'worker', kind: 'agent', command: ['node', '-e', 'setInterval(()=>{},1000)'] }));
    await expect(pool.ping('worker', 100)).rejects.toThrow('worker is not an MCP server');
  });
});
