import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealState } from '../../state/heal-state.js';
import { startHeartbeat } from '../../agents/heartbeat.js';
import { AlertBook } from '../../bot/notifier/alert-book.js';
import type { RedisHub } from '../../redis/hub.js';
import { AuditLog, type AuditEntry } from '../../security/audit.js';
import { SilenceStore } from '../../state/silences.js';
import { fleetbot } from '../support/cli.js';
import { dropHub, testHub, TEST_REDIS_URL } from '../support/redis.js';

// `fleetbot backup`, `restore` and `audit export` as an operator runs them (the built CLI), against real Redis:
// the fleet's data written by the modules that own it, backed up, wiped, restored, and read back by those modules.

const PRIVATE_KEY = `0x${'ab12'.repeat(16)}`;

const entry = (command: string, at: number, args: Record<string, unknown> = {}): AuditEntry => ({
  at,
  user: { id: 'u-ops', name: 'olga' },
  via: 'discord',
  channel: 'ops',
  command,
  args,
  outcome: 'ok',
  detail: `${command} done`,
});

async function keysUnder(hub: RedisHub): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await hub.client.scan(cursor, 'MATCH', `${hub.prefix}:*`, 'COUNT', 1000);
    found.push(...keys.map((k) => k.slice(hub.prefix.length + 1)));
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

async function wipe(hub: RedisHub): Promise<void> {
  const keys = await keysUnder(hub);
  if (keys.length) await hub.client.del(...keys.map((k) => hub.key(k)));
}

describe('backup and restore of what fleetbot keeps in Redis', () => {
  const hub = testHub();
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-backup-'));
  const file = path.join(dir, 'fleet.backup');
  const cli = (args: string[], prefix = hub.prefix) => fleetbot(args, '', { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, PATH: process.env.PATH }, dir);
  const audit = new AuditLog(hub, async () => {});
  const silences = new SilenceStore(hub);
  const book = new AlertBook(hub, silences, [], 4 * 3600_000);
  const heal = new HealState(hub);

  beforeAll(async () => {
    const now = Date.now();
    for (const command of ['restart', 'silence', 'heal']) await audit.record(entry(command, now, { member: 'price-feed' }));
    await silences.silence('price-feed', 3600_000, 'olga');
    await book.accept({ key: 'liquidity-down', status: 'firing', severity: 'critical', member: 'liquidity', title: 'liquidity is down', at: now });
    await heal.pauseFor('arbitrage', { by: 'healer', at: now, reason: 'crash-loop', detail: '5 restarts in 10m' });
    await heal.incident('arbitrage', 3600_000, now);
    await heal.bumpStreak('arbitrage');
    await heal.recordLast('arbitrage', { at: now, outcome: 'paused', detail: 'crash loop' });
    await hub.client.set(hub.key('defi', 'last-scan'), JSON.stringify({ block: 42, at: now }));
    await hub.client.hset(hub.key('defi', 'posted'), 'weth-usdc', '1000');
    // A pending confirmation (expires), the chat memory (kept only with --chat), and what is not kept at all:
    // heartbeats, rate limits, and BullMQ's heal and defi queues beside the healer's and scanner's own keys.
    await hub.client.set(hub.key('confirm', 'abc123'), '{"request":{}}', 'PX', 600_000);
    await hub.client.rpush(hub.key('chat', 'ops'), '[{"type":"human","data":{"content":"is the feed ok?"}}]');
    await hub.client.set(hub.key('rate', 'commands', 'u-ops'), '3');
    const queue = hub.queue('heal');
    await queue.add('heal', { member: 'arbitrage' });
    await queue.close();
    const defi = hub.queue('defi');
    await defi.add('scan', {});
    await defi.close();
  });
  afterAll(async () => {
    await dropHub(hub);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN a fleet with history WHEN backed up, Redis wiped and restored THEN the audit trail, silences, alert and healer state and findings are back; queues, rate limits and chat are not', async () => {
    const before = {
      audit: await audit.recent(10),
      silences: await silences.list(),
      paused: await heal.paused(),
      incidents: await heal.incidents('arbitrage', 3600_000),
    };
    const backedUp = await cli(['backup', file]);
    expect(backedUp, backedUp.stderr).toMatchObject({ code: 0 });
    expect(backedUp.stderr).toMatch(/^backed up 11 keys \(audit 1, silences 1, alert-state 1, healer 5, findings 2, confirmations 1\) from prefix "fbtest-\w+", \S+ to \S+fleet\.backup\n$/);
    // It holds the audit trail: for its owner's eyes only.
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const queueKey = /^(heal|defi):(wait|id|meta|events|marker|\d+)/;
    expect((await keysUnder(hub)).filter((k) => queueKey.test(k)).length).toBeGreaterThan(4);
    const kept = (JSON.parse(readFileSync(file, 'utf8')) as { keys: { key: string }[] }).keys.map((k) => k.key).sort();
    expect(kept).toEqual(['alert-state', 'audit', 'confirm:abc123', 'defi:last-scan', 'defi:posted', 'heal:crash-loop-alerts', 'heal:incidents:arbitrage', 'heal:last', 'heal:paused', 'heal:streak:arbitrage', 'silences']);

    await wipe(hub);
    expect(await keysUnder(hub)).toEqual([]);
    const restored = await cli(['restore', file]);
    expect(restored, restored.stderr).toMatchObject({ code: 0 });
    expect(restored.stderr).toMatch(/^restored \d+ keys of /);

    expect(await audit.recent(10)).toEqual(before.audit);
    expect(await silences.list()).toEqual(before.silences);
    expect(await heal.paused()).toEqual(before.paused);
    expect(await heal.incidents('arbitrage', 3600_000)).toBe(before.incidents);
    expect(await heal.crashLoopAlerts()).toEqual(['arbitrage']);
    // The alert still firing is still known: its resolution will be announced, and it is not announced again as new.
    expect((await book.accept({ key: 'liquidity-down', status: 'resolved', severity: 'critical', member: 'liquidity', title: 'ok', at: Date.now() })).post).toBe(true);
    expect(JSON.parse((await hub.client.get(hub.key('defi', 'last-scan')))!)).toMatchObject({ block: 42 });
    // The confirmation keeps its expiry.
    const ttl = await hub.client.pttl(hub.key('confirm', 'abc123'));
    expect(ttl).toBeGreaterThan(500_000);
    expect(ttl).toBeLessThanOrEqual(600_000);

    const keys = await keysUnder(hub);
    expect(keys.filter((k) => queueKey.test(k))).toEqual([]);
    expect(keys.some((k) => k.startsWith('chat:') || k.startsWith('rate:'))).toBe(false);
  });

  it('GIVEN --chat THEN the chat memory is kept too', async () => {
    await hub.client.rpush(hub.key('chat', 'ops'), '[{"type":"human","data":{"content":"is the feed ok?"}}]');
    const withChat = path.join(dir, 'with-chat.backup');
    expect((await cli(['backup', withChat, '--chat'])).stderr).toMatch(/confirmations 1, chat 1\) from .*, chat memory included to /);
    await wipe(hub);
    expect((await cli(['restore', withChat])).code).toBe(0);
    expect(await hub.client.lrange(hub.key('chat', 'ops'), 0, -1)).toHaveLength(1);
  });

  it('GIVEN a live fleet THEN restore refuses without --force, and with it the kept data becomes the backup', async () => {
    const heartbeat = startHeartbeat(hub, 'ops');
    try {
      await audit.record(entry('after-backup', Date.now()));
      const refused = await cli(['restore', file]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^fleetbot: refusing to restore into a live fleet: agents ops are running under prefix "fbtest-\w+" \(stop them, or use --force\)\n$/);
      expect((await audit.recent(1))[0]!.command).toBe('after-backup');

      await heartbeat.stop();
      const existing = await cli(['restore', file]);
      expect(existing.code).toBe(1);
      expect(existing.stderr).toMatch(/refusing to overwrite fleetbot's data under prefix "fbtest-\w+": \d+ keys are there already \(.*audit.*\); restore into an empty Redis, or use --force/);

      const forced = await cli(['restore', file, '--force']);
      expect(forced, forced.stderr).toMatchObject({ code: 0 });
      expect((await audit.recent(10)).map((e) => e.command)).toEqual(['heal', 'silence', 'restart']);
    } finally {
      await heartbeat.stop();
    }
  });

  it('GIVEN a backup of another format version, or not a backup at all THEN restore says so and writes nothing', async () => {
    const other = testHub();
    try {
      const backup = JSON.parse(readFileSync(file, 'utf8')) as { version: number };
      writeFileSync(path.join(dir, 'v2.backup'), JSON.stringify({ ...backup, version: 2 }));
      const v2 = await cli(['restore', path.join(dir, 'v2.backup')], other.prefix);
      expect(v2.code).toBe(1);
      expect(v2.stderr).toBe(`fleetbot: ${path.join(dir, 'v2.backup')} is a version 2 backup; this fleetbot reads version 1 only — restore it with the fleetbot that wrote it\n`);
      writeFileSync(path.join(dir, 'junk'), '{"hello":1}');
      expect((await cli(['restore', path.join(dir, 'junk')], other.prefix)).stderr).toMatch(/is not a fleetbot backup/);
      expect(await keysUnder(other)).toEqual([]);
      // The same file restores under another prefix: a fleet moved to a new name.
      expect((await cli(['restore', file], other.prefix)).code).toBe(0);
      expect((await new AuditLog(other, async () => {}).recent(10)).map((e) => e.command)).toEqual(['heal', 'silence', 'restart']);
    } finally {
      await dropHub(other);
    }
  });

  it('GIVEN audit export --since THEN it prints JSON lines, oldest first, newer than the window, with secrets redacted', async () => {
    const other = testHub();
    try {
      const now = Date.now();
      // An entry recorded two days ago (the stream id is the time of recording), then one now.
      await other.client.xadd(other.key('audit'), `${now - 2 * 86_400_000}-0`, 'entry', JSON.stringify(entry('old', now - 2 * 86_400_000)));
      await new AuditLog(other, async () => {}).record(entry('call', now, { key: PRIVATE_KEY, url: 'https://admin:hunter2@rpc.example/v1' }));
      const all = await cli(['audit', 'export'], other.prefix);
      expect(all.stdout.trim().split('\n').map((l) => (JSON.parse(l) as AuditEntry).command)).toEqual(['old', 'call']);
      const recent = await cli(['audit', 'export', '--since', '1d'], other.prefix);
      expect(recent, recent.stderr).toMatchObject({ code: 0, stderr: '1 audit entries\n' });
      const [line, ...rest] = recent.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditEntry);
      expect(rest).toEqual([]);
      expect(line).toMatchObject({ command: 'call', user: { name: 'olga' }, outcome: 'ok' });
      expect(recent.stdout).not.toContain(PRIVATE_KEY);
      expect(recent.stdout).not.toContain('hunter2');
      expect(String(line!.args.key)).not.toContain('ab12ab12');

      const bad = await cli(['audit', 'export', '--since', 'yesterday'], other.prefix);
      expect(bad).toMatchObject({ code: 1, stdout: '' });
      expect(bad.stderr).toMatch(/^fleetbot: --since: not a duration: "yesterday"/);
    } finally {
      await dropHub(other);
    }
  });
});
