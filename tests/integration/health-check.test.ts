import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startHeartbeat } from '../../agents/heartbeat.js';
import { freePort } from '../../mcp-fleet/ports.js';
import { ROOT } from '../support/fleet.js';
import { dropHub, TEST_REDIS_URL, testHub } from '../support/redis.js';

// bin/health-check.cjs, the containers' health check: it reads the heartbeats the agents really write (real Redis),
// and GETs a member's /healthz — exit 0 healthy, 1 with a one-line reason otherwise.

const run = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/health-check.cjs'), ...args], { env: { PATH: process.env.PATH!, ...env } }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );

describe('bin/health-check.cjs', () => {
  const hub = testHub();
  afterAll(() => dropHub(hub));

  it('GIVEN agents beating in Redis THEN a check of them passes, and one naming a silent agent fails saying which', async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: hub.prefix };
    expect(await run(['agents', 'ops', 'health'], env)).toEqual({ code: 1, stderr: 'unhealthy: no live heartbeat from ops, health\n' });
    const beats = [startHeartbeat(hub, 'ops'), startHeartbeat(hub, 'health')];
    await expect.poll(async () => Object.keys(await hub.client.hgetall(hub.key('agents'))).length, { timeout: 10_000 }).toBe(2);
    expect(await run(['agents', 'ops', 'health'], env)).toEqual({ code: 0, stderr: '' });
    expect(await run(['agents', 'ops', 'healer'], env)).toEqual({ code: 1, stderr: 'unhealthy: no live heartbeat from healer\n' });
    await Promise.all(beats.map((b) => b.stop()));
    expect((await run(['agents', 'ops'], env)).code).toBe(1);
  });

  it('GIVEN no Redis, or no REDIS_URL THEN the check fails with a short reason', async () => {
    const port = await freePort();
    expect(await run(['agents', 'ops'], { REDIS_URL: `redis://127.0.0.1:${port}` })).toEqual({ code: 1, stderr: `unhealthy: redis: connect ECONNREFUSED 127.0.0.1:${port}\n` });
    expect(await run(['agents', 'ops'])).toEqual({ code: 1, stderr: 'unhealthy: set REDIS_URL: the heartbeats are in Redis\n' });
  });

  it('GIVEN a member answering /healthz 200, then 503, then gone THEN the http check passes, then fails', async () => {
    let status = 200;
    const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end());
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    expect(await run(['http'], { PORT: String(port) })).toEqual({ code: 0, stderr: '' });
    status = 503;
    expect(await run(['http', String(port)])).toEqual({ code: 1, stderr: 'unhealthy: /healthz answered 503\n' });
    await new Promise((resolve) => server.close(resolve));
    expect(await run(['http', String(port)])).toEqual({ code: 1, stderr: `unhealthy: connect ECONNREFUSED 127.0.0.1:${port}\n` });
  });
});
