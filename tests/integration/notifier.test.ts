import { DiscordAPIError, type APIEmbed } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../bot/discord/render.js';
import { AlertBook } from '../../bot/notifier/alert-book.js';
import { Notifier } from '../../bot/notifier/index.js';
import type { RedisHub } from '../../redis/hub.js';
import { notifyQueue, type Alert } from '../../queues/notify.js';
import { QueueClient } from '../../queues/typed-queue.js';
import { createLogger } from '../../telemetry/logger.js';
import { member, waitFor } from '../support/fleet.js';
import { dropHub, testHub } from '../support/redis.js';

// The notifier's grouping, dedup, resolved notices, rate limit and failure handling, on real Redis and the real
// notify queue; what it would post to Discord is captured here (the Discord end is tested against the fake).

const ALERTS = '111111111111111111';
const AUDIT = '222222222222222222';
const HEALING = '333333333333333333';

type Posted = { channel: string; message: DiscordMessage };
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function setup(opts: { maxPerMinute?: number; post?: (channel: string, m: DiscordMessage) => Promise<void>; criticalRole?: string; repeatMs?: number } = {}) {
  const hub: RedisHub = testHub();
  const alerts = new AlertBook(hub, [member({ name: 'oracle', command: ['x'] }), member({ name: 'price-feed', command: ['x'], depends_on: ['oracle'] })], opts.repeatMs ?? 3_600_000);
  const posted: Posted[] = [];
  const errors: string[] = [];
  const log = createLogger({ level: 'warn', write: (line) => void errors.push(line) });
  const notifier = new Notifier({
    hub,
    alerts,
    channels: { alert: ALERTS, audit: AUDIT, healing: HEALING },
    criticalRole: opts.criticalRole,
    groupWaitMs: 300,
    maxPerMinute: opts.maxPerMinute ?? 20,
    post: async (channel, message) => {
      await opts.post?.(channel, message);
      posted.push({ channel, message });
    },
    log,
  });
  notifier.start();
  const notify = new QueueClient(notifyQueue, hub);
  cleanup.push(async () => {
    await notifier.stop();
    await notify.close();
    await dropHub(hub);
  });
  return { notify, posted, errors, alerts };
}

const alert = (member: string, status: 'firing' | 'resolved', severity: Alert['severity'] = 'warning'): Alert => ({
  key: `health-${member}`,
  status,
  severity,
  member,
  title: status === 'firing' ? `${member} is unhealthy` : `${member} is healthy again`,
  detail: 'did not answer ping',
  at: Date.now(),
});
const embeds = (p: Posted) => p.message.embeds as APIEmbed[];

describe('notifier', () => {
  it('GIVEN an alert storm (200 alerts for 3 members) THEN a few grouped messages, then one resolved notice', async () => {
    const { notify, posted } = setup();
    const members = ['price-feed', 'arbitrage', 'scanner'];
    await Promise.all(Array.from({ length: 200 }, (_, i) => notify.add('alert', alert(members[i % 3]!, 'firing'))));
    await waitFor(() => (posted.length > 0 ? true : undefined), { what: 'firing message' });
    await new Promise((r) => setTimeout(r, 800));
    expect(posted.length).toBeLessThanOrEqual(3);
    const fields = posted.flatMap((p) => embeds(p).flatMap((e) => e.fields ?? []));
    expect(fields.map((f) => f.name).sort()).toEqual(members.map((m) => `🟠 ${m} is unhealthy`).sort());
    for (const m of members) await notify.add('alert', alert(m, 'resolved'));
    const resolved = await waitFor(() => posted.find((p) => embeds(p).some((e) => e.title?.startsWith('✅'))), { what: 'resolved' });
    expect(embeds(resolved)[0]!.title).toBe('✅ RESOLVED · 3 alerts');
    expect(embeds(resolved)[0]!.description!.split('\n')).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 600));
    expect(posted.filter((p) => embeds(p).some((e) => e.title?.startsWith('✅')))).toHaveLength(1);
  });

  it('GIVEN repeats of a firing alert THEN they are counted in the message, not posted again', async () => {
    const { notify, posted } = setup();
    for (let i = 0; i < 5; i++) await notify.add('alert', alert('price-feed', 'firing'));
    await waitFor(() => (posted.length ? true : undefined));
    expect(embeds(posted[0]!)[0]!.fields![0]!.value).toContain('×5');
    await notify.add('alert', alert('price-feed', 'firing'));
    await new Promise((r) => setTimeout(r, 700));
    expect(posted).toHaveLength(1);
  });

  it('GIVEN a resolved alert that never fired THEN nothing is posted', async () => {
    const { notify, posted } = setup();
    await notify.add('alert', alert('ghost', 'resolved'));
    await new Promise((r) => setTimeout(r, 700));
    expect(posted).toHaveLength(0);
  });

  it('GIVEN a critical alert THEN the role is mentioned in content and may ping, details in the embed', async () => {
    const { notify, posted } = setup({ criticalRole: '444444444444444444' });
    await notify.add('alert', alert('price-feed', 'firing', 'critical'));
    await waitFor(() => (posted.length ? true : undefined));
    expect(posted[0]!.message.content).toBe('<@&444444444444444444>');
    expect(posted[0]!.message.allowedMentions).toEqual({ parse: [], roles: ['444444444444444444'] });
    expect(embeds(posted[0]!)[0]!.title).toBe('🔴 FIRING · price-feed is unhealthy');
  });

  it('GIVEN Discord rejects a message THEN the reason is logged, it is dropped, and later ones still go out', async () => {
    let first = true;
    const { notify, posted, errors } = setup({
      post: async () => {
        if (first) {
          first = false;
          throw new DiscordAPIError({ code: 50035, message: 'Invalid Form Body' }, 50035, 400, 'POST', '/channels/x/messages', { body: {} });
        }
      },
    });
    await notify.add('healing', { member: 'price-feed', action: 'restart', title: 'price-feed restarted', at: Date.now() });
    await waitFor(() => (errors.some((e) => e.includes('discord rejected a notification')) ? true : undefined), { what: 'rejection logged' });
    expect(errors.find((e) => e.includes('rejected'))).toMatch(/status=400 code=50035 reason="Invalid Form Body"/);
    await notify.add('healing', { member: 'arbitrage', action: 'restart', title: 'arbitrage restarted', at: Date.now() });
    const next = await waitFor(() => posted.find((p) => p.channel === HEALING));
    expect(embeds(next)[0]!.title).toBe('🩺 arbitrage restarted');
    expect(posted).toHaveLength(1);
  });

  it('GIVEN Discord is unreachable for a moment THEN the message waits and goes out once', async () => {
    let failures = 2;
    const { notify, posted } = setup({
      post: async () => {
        if (failures-- > 0) throw new Error('connect ECONNREFUSED');
      },
    });
    await notify.add('audit', { at: Date.now(), user: { id: '1', name: 'olga' }, via: 'discord', channel: 'c', command: 'restart', args: { member: 'alpha' }, outcome: 'ok', detail: 'restarted alpha in 0.8 s' });
    const message = await waitFor(() => posted.find((p) => p.channel === AUDIT));
    expect(embeds(message)[0]!.description).toBe('✅ **olga** `/restart alpha` (discord) — ok: restarted alpha in 0.8 s');
    await new Promise((r) => setTimeout(r, 600));
    expect(posted).toHaveLength(1);
  });

  it('GIVEN more messages than the per-minute rate THEN the rest wait', async () => {
    const { notify, posted } = setup({ maxPerMinute: 2 });
    for (let i = 0; i < 4; i++) {
      await notify.add('healing', { member: `m${i}`, action: 'restart', title: `m${i} restarted`, at: Date.now() });
      await new Promise((r) => setTimeout(r, 450));
    }
    await new Promise((r) => setTimeout(r, 800));
    expect(posted).toHaveLength(2);
  });

  it('GIVEN an alert that fires and clears within the group window THEN nothing is posted', async () => {
    const { notify, posted } = setup();
    await notify.add('alert', alert('blip', 'firing'));
    await notify.add('alert', alert('blip', 'resolved'));
    await new Promise((r) => setTimeout(r, 800));
    expect(posted).toHaveLength(0);
  });

  it('GIVEN a silenced member THEN its alerts are muted until the silence ends, and then announced', async () => {
    const { notify, posted, alerts } = setup();
    await alerts.silence('price-feed', 700, 'olga');
    await notify.add('alert', alert('price-feed', 'firing'));
    await new Promise((r) => setTimeout(r, 900));
    expect(posted).toHaveLength(0);
    expect(await alerts.list()).toEqual([]);
    await notify.add('alert', alert('price-feed', 'firing'));
    const message = await waitFor(() => posted[0]);
    expect(embeds(message)[0]!.title).toBe('🟠 FIRING · price-feed is unhealthy');
  });

  it('GIVEN a member whose dependency is already alerting THEN its alert is inhibited', async () => {
    const { notify, posted } = setup();
    await notify.add('alert', alert('oracle', 'firing', 'critical'));
    await waitFor(() => posted[0]);
    await notify.add('alert', alert('price-feed', 'firing'));
    await new Promise((r) => setTimeout(r, 800));
    expect(posted.flatMap((p) => embeds(p).map((e) => e.title))).toEqual(['🔴 FIRING · oracle is unhealthy']);
  });

  it('GIVEN an alert still firing after the repeat interval THEN it is posted again as a reminder', async () => {
    const { notify, posted } = setup({ repeatMs: 600 });
    await notify.add('alert', alert('price-feed', 'firing'));
    await waitFor(() => posted[0]);
    await new Promise((r) => setTimeout(r, 700));
    await notify.add('alert', alert('price-feed', 'firing'));
    await waitFor(() => posted[1], { what: 'reminder' });
    expect(embeds(posted[1]!)[0]!.fields![0]!.value).toContain('×2');
  });
});
