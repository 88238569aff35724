import { DiscordAPIError, type APIEmbed } from 'discord.js';
import type { Worker } from 'bullmq';
import { z } from 'zod';
import { formatDuration } from '../../config/duration.js';
import type { NotifyKind } from '../../config/index.js';
import type { RedisHub } from '../../redis/hub.js';
import { formatAmount } from '../../defi/describe.js';
import type { Opportunity } from '../../defi/opportunity.js';
import { AlertSchema, FindingSchema, HealingSchema, notifyQueue, type Alert } from '../../queues/notify.js';
import type { Confirmations } from '../confirmations.js';
import type { AlertBook } from './alert-book.js';
import { startWorker } from '../../queues/typed-queue.js';
import { AuditEntrySchema } from '../../security/audit.js';
import { escapeCode, escapeInline } from '../../security/escape.js';
import { redact } from '../../security/redact.js';
import type { Logger } from '../../telemetry/logger.js';
import { metrics } from '../../telemetry/metrics.js';
import { takeEmbeds } from '../discord/limits.js';
import { NO_PINGS, type DiscordMessage } from '../discord/render.js';

/**
 * The notifier: consumes the notify queue and posts each kind (alerts, findings, healing, audit) to its channel, the
 * way Alertmanager does — the alert book decides which alerts deserve a message (new, reminder, resolved; not the
 * silenced or inhibited), and notifications that arrive within a group window go out as one message. Never more
 * than a set number of messages per channel per minute; a message Discord rejects is logged and dropped, never
 * retried forever or allowed to block the rest.
 * Side effects: Redis list `<prefix>:notify:pending:<channel>` (the outbox).
 */

export interface NotifierOptions {
  hub: RedisHub;
  alerts: AlertBook;
  /** Set when trades can run: an opportunity posted carries an Execute button (answered like a confirmation), unless it runs by itself. */
  execute?: { confirmations: Confirmations; buttons(id: string): DiscordMessage['components']; automatic(o: Opportunity): boolean };
  channels: Partial<Record<NotifyKind, string>>;
  criticalRole?: string;
  groupWaitMs: number;
  maxPerMinute: number;
  /** Sends one message; throws DiscordAPIError when Discord rejects it. (discord.js itself waits out 429s.) */
  post(channelId: string, message: DiscordMessage): Promise<void>;
  log: Logger;
}

const OutboxItemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('alert'), alert: AlertSchema, since: z.number(), queuedAt: z.number() }),
  z.object({ kind: z.literal('healing'), healing: HealingSchema, queuedAt: z.number() }),
  z.object({ kind: z.literal('audit'), entry: AuditEntrySchema, queuedAt: z.number() }),
  z.object({ kind: z.literal('finding'), finding: FindingSchema, queuedAt: z.number() }),
  // A message already built that could not go out yet (rate limit, Discord unreachable).
  z.object({
    kind: z.literal('message'),
    message: z.object({
      content: z.string().optional(),
      embeds: z.array(z.record(z.string(), z.unknown())),
      components: z.array(z.unknown()).optional(),
      allowedMentions: z.record(z.string(), z.unknown()),
    }),
    queuedAt: z.number(),
  }),
]);
type OutboxItem = z.infer<typeof OutboxItemSchema>;

const FLUSH_EVERY_MS = 250;
/** Items taken from an outbox at once: more than fits in one message is carried to the next. */
const BATCH = 100;

const SEVERITY = {
  critical: { dot: '🔴', colour: 0xe74c3c },
  warning: { dot: '🟠', colour: 0xe67e22 },
  info: { dot: '🔵', colour: 0x3498db },
} as const;

export class Notifier {
  private worker?: Worker;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly options: NotifierOptions) {}

  start(): void {
    const accept = <K extends NotifyKind>(kind: K) => {
      metrics.notifications.inc({ kind });
      return this.options.channels[kind];
    };
    this.worker = startWorker(
      notifyQueue,
      this.options.hub,
      {
        alert: async (alert) => {
          if (accept('alert')) await this.onAlert(alert);
        },
        healing: async (healing) => {
          if (accept('healing')) await this.enqueue('healing', { kind: 'healing', healing, queuedAt: Date.now() });
        },
        audit: async (entry) => {
          if (accept('audit')) await this.enqueue('audit', { kind: 'audit', entry, queuedAt: Date.now() });
        },
        finding: async (finding) => {
          if (accept('finding')) await this.enqueue('finding', { kind: 'finding', finding, queuedAt: Date.now() });
        },
      },
      { concurrency: 1, log: this.options.log },
    );
    this.timer = setInterval(() => {
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    }, FLUSH_EVERY_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.worker?.close();
    await this.flushing;
  }

  private key(...parts: string[]) {
    return this.options.hub.key(...parts);
  }

  /** The alert book decides what is worth a message; the rest is counted, muted or dropped there. */
  private async onAlert(alert: Alert) {
    const decision = await this.options.alerts.accept(alert);
    if (decision.post) await this.enqueue('alert', { kind: 'alert', alert, since: decision.since, queuedAt: Date.now() });
  }

  private async enqueue(kind: NotifyKind, item: OutboxItem) {
    await this.options.hub.client.rpush(this.key('notify', 'pending', this.options.channels[kind]!), JSON.stringify(item));
  }

  private allowance(channel: string): number {
    const now = Date.now();
    const recent = (this.sent.get(channel) ?? []).filter((t) => now - t < 60_000);
    this.sent.set(channel, recent);
    return this.options.maxPerMinute - recent.length;
  }

  private async flush(): Promise<void> {
    const channels = [...new Set(Object.values(this.options.channels).filter((c): c is string => !!c))];
    for (const channel of channels) {
      try {
        await this.flushChannel(channel);
      } catch (error) {
        this.options.log.warn('notifier flush failed', { channel, error });
      }
    }
  }

  private async flushChannel(channel: string) {
    const redis = this.options.hub.client;
    const outbox = this.key('notify', 'pending', channel);
    const oldest = await redis.lindex(outbox, 0);
    if (!oldest) return;
    // Wait out the group window from the oldest item, so what arrives together goes out together.
    if (Date.now() - JSON.parse(oldest).queuedAt < this.options.groupWaitMs) return;
    if (this.allowance(channel) <= 0) return;
    const [[, raw]] = (await redis.multi().lrange(outbox, 0, BATCH - 1).ltrim(outbox, BATCH, -1).exec()) as [[null, string[]], unknown];
    const items = raw.flatMap((r) => {
      const parsed = OutboxItemSchema.safeParse(JSON.parse(r));
      return parsed.success ? [parsed.data] : [];
    });
    const messages = await this.messages(items);
    for (const [i, message] of messages.entries()) {
      if (this.allowance(channel) <= 0) {
        metrics.notifierMessages.inc({ outcome: 'held' }, messages.length - i);
        this.options.log.warn('notifier rate limit reached; holding messages', { channel, held: messages.length - i });
        await this.requeue(outbox, messages.slice(i));
        return;
      }
      try {
        await this.options.post(channel, message);
        this.sent.get(channel)!.push(Date.now());
        metrics.notifierMessages.inc({ outcome: 'sent' });
      } catch (error) {
        const rejected = error instanceof DiscordAPIError && error.status >= 400 && error.status < 500;
        metrics.discordErrors.inc({ status: error instanceof DiscordAPIError ? `${String(error.status)[0]}xx` : 'network' });
        metrics.notifierMessages.inc({ outcome: rejected ? 'rejected' : 'held' });
        if (rejected) {
          this.options.log.error('discord rejected a notification; dropped', { channel, status: error.status, code: error.code, reason: error.message });
          continue;
        }
        // Discord or the network is down: what has not gone out waits for the next flush.
        await this.requeue(outbox, messages.slice(i));
        throw error;
      }
    }
  }

  private async opportunityMessage(o: Opportunity): Promise<DiscordMessage> {
    const { symbol, decimals } = o.baseToken;
    const amount = (v: string) => `${formatAmount(v, decimals)} ${symbol}`;
    const embed: APIEmbed = {
      title: `💱 ${o.path.join('→')} · buy ${o.buyDex}, sell ${o.sellDex} · simulated ✓`,
      fields: [
        { name: 'optimal input', value: amount(o.amountIn) },
        { name: 'profit (swaps)', value: amount(o.profit) },
        { name: 'net (after loan fee and gas)', value: amount(o.netProfit) },
        { name: 'flash loan', value: o.flashLoan },
        { name: 'id', value: o.id },
      ],
      color: 0x9b59b6,
    };
    const execute = this.options.execute;
    if (!execute || execute.automatic(o)) return { embeds: [embed], allowedMentions: NO_PINGS };
    // Asked for by the scanner; whoever presses Execute needs the operate permission, checked and audited then.
    const id = await execute.confirmations.create({
      caller: { id: 'scanner', name: 'scanner', permission: 'operate', via: 'scanner' },
      channel: this.options.channels.finding!,
      command: 'execute',
      args: { id: o.id, check: false },
    });
    return { embeds: [embed], components: execute.buttons(id), allowedMentions: NO_PINGS };
  }

  /** Puts built messages back at the front of the outbox, in order, ready to go out without waiting again. */
  private async requeue(outbox: string, messages: DiscordMessage[]) {
    const items = messages.map((message) => JSON.stringify({ kind: 'message', message, queuedAt: 0 }));
    await this.options.hub.client.lpush(outbox, ...items.reverse());
  }

  /**
   * Firing alerts grouped in one embed, resolved ones in another, healing and audit lines in theirs. An alert that
   * fired and cleared within the same group window is not worth anyone's attention: both are left out.
   */
  private async messages(items: OutboxItem[]): Promise<DiscordMessage[]> {
    const embeds: APIEmbed[] = [];
    type AlertItem = Extract<OutboxItem, { kind: 'alert' }>;
    const alerts = items.filter((i): i is AlertItem => i.kind === 'alert');
    const cleared = new Set(alerts.filter((i) => i.alert.status === 'resolved').map((i) => i.alert.key));
    const announced = new Set(alerts.filter((i) => i.alert.status === 'firing').map((i) => i.alert.key));
    const firing = alerts.filter((i) => i.alert.status === 'firing' && !cleared.has(i.alert.key));
    const resolved = alerts.filter((i) => i.alert.status === 'resolved' && !announced.has(i.alert.key));
    let mention: string | undefined;
    if (firing.length) {
      const counts = (await this.options.alerts.counts(firing.map((f) => f.alert.key))).map((c) => c ?? 1);
      const worst = firing.some((f) => f.alert.severity === 'critical') ? 'critical' : firing.some((f) => f.alert.severity === 'warning') ? 'warning' : 'info';
      if (worst === 'critical' && this.options.criticalRole) mention = this.options.criticalRole;
      const fields = firing.map((f, i) => ({
        name: `${SEVERITY[f.alert.severity].dot} ${f.alert.title}`,
        value: [f.alert.detail, counts[i]! > 1 ? `×${counts[i]}` : undefined, `since <t:${Math.floor(f.since / 1000)}:T>`].filter(Boolean).join(' · '),
      }));
      for (let i = 0; i < fields.length; i += 25) {
        embeds.push({
          title: firing.length === 1 ? `${SEVERITY[worst].dot} FIRING · ${firing[0]!.alert.title}` : `${SEVERITY[worst].dot} FIRING · ${firing.length} alerts`,
          fields: fields.slice(i, i + 25),
          color: SEVERITY[worst].colour,
        });
      }
    }
    if (resolved.length) {
      embeds.push({
        title: resolved.length === 1 ? `✅ RESOLVED · ${resolved[0]!.alert.title}` : `✅ RESOLVED · ${resolved.length} alerts`,
        description: resolved.map((r) => `✅ ${r.alert.title} — fired for ${formatDuration(r.alert.at - r.since)}`).join('\n'),
        color: 0x2ecc71,
      });
    }
    for (const item of items) {
      if (item.kind === 'healing') embeds.push({ title: `🩺 ${item.healing.title}`, description: item.healing.detail, color: 0x1abc9c });
    }
    const audit = items.filter((i): i is Extract<OutboxItem, { kind: 'audit' }> => i.kind === 'audit');
    if (audit.length) {
      const mark = { ok: '✅', failed: '❌', denied: '⛔' } as const;
      embeds.push({
        title: `audit · ${audit.length} action${audit.length === 1 ? '' : 's'}`,
        description: audit
          // Names, arguments and replies come from people and tools: escaped and on one line, so no argument can
          // fake an entry of its own. Redacted before the escape's bound cuts anything short.
          .map(({ entry: e }) => {
            const args = Object.values(e.args).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
            const request = escapeCode(redact([`/${e.command}`, ...args].join(' ')), 300);
            return `${mark[e.outcome]} **${escapeInline(e.user.name, 64)}** \`${request}\` (${escapeInline(e.via, 20)}) — ${e.outcome}: ${escapeInline(redact(e.detail), 300)}`;
          })
          .join('\n'),
        color: 0x95a5a6,
      });
    }
    for (const item of items) {
      if (item.kind !== 'finding' || item.finding.type === 'opportunity') continue;
      const f = item.finding;
      if (f.type === 'execution') embeds.push({ title: `${f.ok ? '✅' : '❌'} execute ${f.opportunity.id}`, description: [f.detail, f.txHash && `tx ${f.txHash}`].filter(Boolean).join('\n'), color: f.ok ? 0x2ecc71 : 0xe74c3c });
      else embeds.push({ title: `📊 ${f.title}`, description: f.lines.join('\n'), color: 0x3498db });
    }
    const messages: DiscordMessage[] = items.flatMap((i) => (i.kind === 'message' ? [i.message as DiscordMessage] : []));
    // Each opportunity is a message of its own, so its Execute button belongs to it alone.
    for (const item of items) {
      if (item.kind !== 'finding' || item.finding.type !== 'opportunity') continue;
      messages.push(await this.opportunityMessage(item.finding.opportunity));
    }
    // Alert details and audit lines come from tools and logs: redacted like every reply.
    let rest: APIEmbed[] = embeds.map((e) => ({
      ...e,
      title: e.title && redact(e.title),
      description: e.description && redact(e.description),
      fields: e.fields?.map((f) => ({ name: redact(f.name), value: redact(f.value) })),
    }));
    while (rest.length) {
      const [now, later] = takeEmbeds(rest);
      messages.push(
        mention
          ? { content: `<@&${mention}>`, embeds: now, allowedMentions: { parse: [], roles: [mention] } }
          : { embeds: now, allowedMentions: NO_PINGS },
      );
      rest = later;
      mention = undefined;
    }
    return messages;
  }
}
