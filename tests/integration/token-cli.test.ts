import { afterAll, describe, expect, it } from 'vitest';
import { ApiTokenStore } from '../../state/api-tokens.js';
import { WebSessions } from '../../state/web-sessions.js';
import { fleetbot } from '../support/cli.js';
import { ROOT } from '../support/fleet.js';
import { dropHub, testHub, TEST_REDIS_URL } from '../support/redis.js';

// `fleetbot token create|list|revoke` as an operator runs it (the built CLI, real Redis): the token is printed once,
// only its hash is kept, and revoking it ends the dashboard sessions it opened.

describe('fleetbot token', () => {
  const hub = testHub();
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: hub.prefix, PATH: process.env.PATH };
  const cli = (...args: string[]) => fleetbot(['token', ...args], '', env, ROOT);
  afterAll(() => dropHub(hub));

  it('GIVEN create, list and revoke THEN the token works once created, is never stored, and stops working when revoked', async () => {
    const created = await cli('create', 'ada', '--permission', 'admin');
    expect(created).toMatchObject({ code: 0 });
    const token = created.stdout.trim();
    expect(token).toMatch(/^fbt_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/token "ada" \(admin\) created: it is shown this once/);
    const store = new ApiTokenStore(hub);
    expect(await store.verify(token)).toMatchObject({ name: 'ada', permission: 'admin' });
    expect(JSON.stringify(await hub.client.hgetall(hub.key('api-tokens')))).not.toContain(token);
    const listed = await cli('list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ada\tadmin\t\d{4}-\d\d-\d\dT/m);
    expect(listed.stdout).not.toContain(token);
    // A session opened with it (as the dashboard opens one) ends when the token is revoked.
    const { id } = await new WebSessions(hub).open({ user: { id: 'token:ada', name: 'ada' }, permission: 'admin', source: 'token:ada', scope: 'person' }, 60_000);
    const revoked = await cli('revoke', 'ada');
    expect(revoked).toMatchObject({ code: 0, stdout: 'token "ada" revoked; 1 session ended\n' });
    expect(await new WebSessions(hub).get(id)).toBeUndefined();
    expect(await store.verify(token)).toBeUndefined();
  }, 60_000);

  it('GIVEN bad input THEN a short clear error and nothing changed', async () => {
    expect(await cli('create', 'bob', '--permission', 'root')).toMatchObject({ code: 1, stdout: '', stderr: 'fleetbot: --permission must be read, operate or admin, not "root"\n' });
    expect(await cli('create', 'Bob Smith', '--permission', 'read')).toMatchObject({ code: 1, stderr: 'fleetbot: a token name is 1-64 lower-case letters, digits, ".", "_" or "-"\n' });
    expect((await cli('create', 'carol', '--permission', 'read')).code).toBe(0);
    expect(await cli('create', 'carol', '--permission', 'admin')).toMatchObject({ code: 1, stderr: 'fleetbot: a token named "carol" exists already; revoke it first or pick another name\n' });
    expect(await new ApiTokenStore(hub).list()).toEqual([expect.objectContaining({ name: 'carol', permission: 'read' })]);
    expect(await cli('revoke', 'nobody')).toMatchObject({ code: 1, stderr: 'fleetbot: no token named "nobody" (see fleetbot token list)\n' });
    expect(await fleetbot(['token', 'list'], '', { PATH: process.env.PATH }, ROOT)).toMatchObject({ code: 1, stderr: expect.stringMatching(/set REDIS_URL/) });
  }, 60_000);
});
