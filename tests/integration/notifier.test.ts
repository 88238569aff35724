import { DiscordAPIError, type APIEmbed } from 'discord.js';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../bot/discord/render.js';
import { ConsoleSink } from '../../bot/console/sink.js';
import { DiscordSink } from '../../bot/discord/sink.js';
import { AlertBook } from '../../bot/notifier/alert-book.js';
import { Notifier } from '../../bot/notifier/index.js';
import { SilenceStore } from '../../state/silences.js';
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
const METRICS = '555555555555555555';
const LOGS = '666666666666666666';

type Posted = { channel: string; message: DiscordMessage };
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function setup(opts: { maxPerMinute?: number; post?: (channel: string, m: DiscordMessage) => Promise<void>; criticalRole?: string; repeatMs?: number } = {}) {
  const hub: RedisHub = testHub();
  const silences = new SilenceStore(hub);
  const alerts = new AlertBook(hub, silences, [member({ name: 'oracle', command: ['x'] }), member({ name: 'price-feed', command: ['x'], depends_on: ['oracle'] })], opts.repeatMs ?? 3_600_000);
  const posted: Posted[] = [];
  const errors: string[] = [];
  const log = createLogger({ level: 'warn', write: (line) => void errors.push(line) });
  const discord = new DiscordSink({
    post: async (channel, message) => {
      await opts.post?.(channel, message);
      posted.push({ channel, message });
    },
    buttons: () => [],
    criticalRole: opts.criticalRole,
  });
  // The console of the same process: an interactive terminal, captured.
  const printed: string[] = [];
  const terminal = new Writable({ write: (chunk, _enc, done) => (printed.push(String(chunk).trim()), done()) });
  const notifier = new Notifier({
    hub,
    alerts,
    sinks: [discord, new ConsoleSink(terminal, true, log)],
    routes: [
      { kind: 'alert', sink: 'discord', destination: ALERTS },
      { kind: 'audit', sink: 'discord', destination: AUDIT },
      { kind: 'healing', sink: 'discord', destination: HEALING },
      { kind: 'metrics', sink: 'discord', destination: METRICS },
      { kind: 'logs', sink: 'discord', destination: LOGS },
      { kind: 'alert', sink: 'console', destination: 'terminal' },
      { kind: 'healing', sink: 'console', destination: 'terminal' },
    ],
    groupWaitMs: 300,
    maxPerMinute: opts.maxPerMinute ?? 20,
    log,
  });
  notifier.start();
  const notify = new QueueClient(notifyQueue, hub);
  /** Every notice added so far has been taken from the queue and is out (or dropped): nothing is on its way. */
  const settled = () =>
    waitFor(async () => {
      const counts = await notify.queue.getJobCounts('waiting', 'active', 'delayed');
      return Object.values(counts).every((n) => n === 0) && (await notifier.pending()) === 0 ? true : undefined;
    }, { what: 'notifications settled' });
  cleanup.push(async () => {
    await notifier.stop();
    await notify.close();
    await dropHub(hub);
  });
  return { notify, posted, printed, errors, silences, settled };
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
    const { notify, posted, settled } = setup();
    const members = ['price-feed', 'arbitrage', 'scanner'];
    await Promise.all(Array.from({ length: 200 }, (_, i) => notify.add('alert', alert(members[i % 3]!, 'firing'))));
    await waitFor(() => (posted.length > 0 ? true : undefined), { what: 'firing message' });
    await settled();
    expect(posted.length).toBeLessThanOrEqual(3);
    const fields = posted.flatMap((p) => embeds(p).flatMap((e) => e.fields ?? []));
    expect(fields.map((f) => f.name).sort()).toEqual(members.map((m) => `🟠 ${m} is unhealthy`).sort());
    for (const m of members) await notify.add('alert', alert(m, 'resolved'));
    const resolved = await waitFor(() => posted.find((p) => embeds(p).some((e) => e.title?.startsWith('✅'))), { what: 'resolved' });
    expect(embeds(resolved)[0]!.title).toBe('✅ RESOLVED · 3 alerts');
    expect(embeds(resolved)[0]!.description!.split('\n')).toHaveLength(3);
    await settled();
    expect(posted.filter((p) => embeds(p).some((e) => e.title?.startsWith('✅')))).toHaveLength(1);
  });

  it('GIVEN repeats of a firing alert THEN they are counted in the message, not posted again', async () => {
    const { notify, posted, settled } = setup();
    for (let i = 0; i < 5; i++) await notify.add('alert', alert('price-feed', 'firing'));
    await waitFor(() => (posted.length ? true : undefined));
    expect(embeds(posted[0]!)[0]!.fields![0]!.value).toContain('×5');
    await notify.add('alert', alert('price-feed', 'firing'));
    await settled();
    expect(posted).toHaveLength(1);
  });

  it('GIVEN a resolved alert that never fired THEN nothing is posted', async () => {
    const { notify, posted, settled } = setup();
    await notify.add('alert', alert('ghost', 'resolved'));
    await settled();
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
    const { notify, posted, settled } = setup({
      post: async () => {
        if (failures-- > 0) throw new Error('connect ECONNREFUSED');
      },
    });
    await notify.add('audit', { at: Date.now(), user: { id: '1', name: 'olga' }, via: 'discord', channel: 'c', command: 'restart', args: { member: 'alpha' }, outcome: 'ok', detail: 'restarted alpha in 0.8 s' });
    const message = await waitFor(() => posted.find((p) => p.channel === AUDIT));
    expect(embeds(message)[0]!.description).toBe('✅ **olga** `/restart alpha` (discord) — ok: restarted alpha in 0.8 s');
    await settled();
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
    const { notify, posted, settled } = setup();
    await notify.add('alert', alert('blip', 'firing'));
    await notify.add('alert', alert('blip', 'resolved'));
    await settled();
    expect(posted).toHaveLength(0);
  });

  it('GIVEN a silenced member THEN its alerts are muted until the silence ends, and then announced', async () => {
    const { notify, posted, silences, settled } = setup();
    await silences.silence('price-feed', 700, 'olga');
    await notify.add('alert', alert('price-feed', 'firing'));
    await settled();
    expect(posted).toHaveLength(0);
    await waitFor(async () => ((await silences.list()).length === 0 ? true : undefined), { what: 'silence over' });
    await notify.add('alert', alert('price-feed', 'firing'));
    const message = await waitFor(() => posted[0]);
    expect(embeds(message)[0]!.title).toBe('🟠 FIRING · price-feed is unhealthy');
  });

  it('GIVEN a member whose dependency is already alerting THEN its alert is inhibited', async () => {
    const { notify, posted, settled } = setup();
    await notify.add('alert', alert('oracle', 'firing', 'critical'));
    await waitFor(() => posted[0]);
    await notify.add('alert', alert('price-feed', 'firing'));
    await settled();
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

  it('GIVEN Discord and the console in one process THEN each notice reaches both, once each', async () => {
    const { notify, posted, printed, settled } = setup();
    await notify.add('alert', alert('price-feed', 'firing', 'critical'));
    await notify.add('healing', { member: 'price-feed', action: 'restart', title: 'price-feed restarted', at: Date.now() });
    await settled();
    expect(posted.flatMap((p) => embeds(p).map((e) => e.title))).toEqual(['🔴 FIRING · price-feed is unhealthy', '🩺 price-feed restarted']);
    expect(printed.filter((l) => l.includes('price-feed is unhealthy'))).toEqual(['✖ price-feed is unhealthy — did not answer ping']);
    expect(printed.filter((l) => l.includes('price-feed restarted'))).toEqual(['✚ price-feed restarted']);
  });

  it('GIVEN a member that died with its last lines, and a metrics digest THEN the alert carries the lines as a file, the logs channel gets them, the metrics channel its digest', async () => {
    const { notify, posted, settled } = setup();
    const logTail = '2026-12-02T09:00:00Z boom: cannot reach the RPC\n2026-12-02T09:00:01Z exiting with code 1';
    await notify.add('alert', { ...alert('price-feed', 'firing', 'critical'), context: ['exited with code 1', 'it had run for 4.2 s'], logTail });
    await notify.add('metrics', { title: 'fleet: 2/3 healthy, 0 jobs waiting', lines: ['member restarts: 4'], at: Date.now() });
    // Each of the three channels' messages, as they arrive (their outboxes flush one after another).
    await waitFor(() => ([ALERTS, LOGS, METRICS].every((c) => posted.some((p) => p.channel === c)) ? true : undefined), { what: 'alerts, logs and metrics posted' });
    await settled();
    const onAlerts = posted.find((p) => p.channel === ALERTS)!;
    expect(embeds(onAlerts)[0]!.fields![0]!.value).toMatch(/^did not answer ping · exited with code 1 · it had run for 4\.2 s · since/);
    const file = (onAlerts.message.files as { name: string; attachment: Buffer }[])[0]!;
    expect([file.name, String(file.attachment)]).toEqual(['price-feed-last-lines.txt', logTail]);
    const onLogs = posted.find((p) => p.channel === LOGS)!;
    expect(embeds(onLogs)[0]!.title).toBe('📄 price-feed is unhealthy: its last lines');
    expect(String((onLogs.message.files as { attachment: Buffer }[])[0]!.attachment)).toBe(logTail);
    expect(embeds(posted.find((p) => p.channel === METRICS)!)[0]).toMatchObject({ title: '📈 fleet: 2/3 healthy, 0 jobs waiting', description: 'member restarts: 4' });
  });
});
