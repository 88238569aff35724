import type { Worker } from 'bullmq';
import { closeWorker, within } from '../../queues/stopping.js';
import { z } from 'zod';
import type { NotifyKind, NotifyRoute } from '../../config/index.js';
import type { Opportunity } from '../../defi/opportunity.js';
import { AlertSchema, FindingSchema, HealingSchema, MetricsDigestSchema, notifyQueue, type Alert, type Finding, type MetricsDigest } from '../../queues/notify.js';
import { startWorker } from '../../queues/typed-queue.js';
import { readJson } from '../../redis/json.js';
import type { RedisHub } from '../../redis/hub.js';
import { AuditEntrySchema, type AuditEntry } from '../../security/audit.js';
import { redactDeep } from '../../security/redact-deep.js';
import type { Logger } from '../../telemetry/logger.js';
import { metrics } from '../../telemetry/metrics.js';
import type { AlertBook } from './alert-book.js';

/**
 * The notifier: the one outbox for every notice. It consumes the notify queue and hands each notice to every sink
 * (Discord, the console, …) whose routes take that kind, the way Alertmanager does — the alert book decides which
 * alerts deserve a message (new, reminder, resolved; not the silenced or inhibited), notices that arrive within a
 * group window go out together as one digest, never more than a set number of messages per destination a minute,
 * and a message a platform rejects for good is logged and dropped, never retried forever or allowed to block the
 * rest. Sinks only render and post; what goes where is routing in config.
 * Side effects: Redis lists `<prefix>:notify:pending:<sink>:<destination>` (the outboxes).
 */

/** What arrived together for one destination, grouped and already redacted: a sink renders it its own way. */
export interface Digest {
  firing: { alert: Alert; since: number; count: number }[];
  resolved: { alert: Alert; since: number }[];
  /** The worst severity firing, when any is. */
  worst?: Alert['severity'];
  healing: z.infer<typeof HealingSchema>[];
  audit: AuditEntry[];
  /** Execution outcomes and reports (not opportunities). */
  findings: Exclude<Finding, { type: 'opportunity' }>[];
  /** Each with the id of its pending Execute confirmation, when trades wait for a person. */
  opportunities: { opportunity: Opportunity; confirmation?: string }[];
  /** The fleet's figures, for the metrics channel. */
  metrics: MetricsDigest[];
  /** The last lines of members that died or hung, for the logs channel. */
  logs: { member: string; title: string; text: string }[];
}

export interface NoticeSink<M = unknown> {
  /** The name routes use (`discord`, `console`). */
  readonly name: string;
  /** The digest as this platform's messages, each within its limits. Messages must survive JSON (they may wait in Redis). */
  render(digest: Digest): M[];
  send(destination: string, message: M): Promise<void>;
  /** A failure that will never succeed (a bad channel, a malformed message): dropped and logged instead of retried. */
  permanent(error: unknown): boolean;
  /** The failure in the platform's terms, for the log (status, code, reason). */
  explain?(error: unknown): Record<string, unknown>;
}

export interface NotifierOptions {
  hub: RedisHub;
  alerts: AlertBook;
  sinks: NoticeSink[];
  /** Which kind goes to which destination of which sink; routes for sinks this process lacks are ignored. */
  routes: NotifyRoute[];
  /** Set when trades wait for a person: an opportunity is posted with a pending confirmation, unless it runs by itself. */
  execute?: { propose(o: Opportunity): Promise<string>; automatic(o: Opportunity): boolean };
  groupWaitMs: number;
  maxPerMinute: number;
  log: Logger;
}

const OutboxItemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('alert'), alert: AlertSchema, since: z.number(), queuedAt: z.number() }),
  z.object({ kind: z.literal('healing'), healing: HealingSchema, queuedAt: z.number() }),
  z.object({ kind: z.literal('audit'), entry: AuditEntrySchema, queuedAt: z.number() }),
  z.object({ kind: z.literal('finding'), finding: FindingSchema, confirmation: z.string().optional(), queuedAt: z.number() }),
  z.object({ kind: z.literal('metrics'), digest: MetricsDigestSchema, queuedAt: z.number() }),
  z.object({ kind: z.literal('logs'), member: z.string(), title: z.string(), text: z.string(), queuedAt: z.number() }),
  // A message already rendered that could not go out yet (rate limit, platform unreachable).
  z.object({ kind: z.literal('message'), message: z.unknown(), queuedAt: z.number() }),
]);
type OutboxItem = z.infer<typeof OutboxItemSchema>;

const FLUSH_EVERY_MS = 250;
/** Items taken from an outbox at once: more than fits in one message is carried to the next. */
const BATCH = 100;

export class Notifier {
  private worker?: Worker;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly sent = new Map<string, number[]>();
  private readonly sinks: Map<string, NoticeSink>;
  private readonly routes: NotifyRoute[];

  constructor(private readonly options: NotifierOptions) {
    this.sinks = new Map(options.sinks.map((s) => [s.name, s]));
    this.routes = options.routes.filter((r) => this.sinks.has(r.sink));
  }

  start(): void {
    const routed = (kind: NotifyKind) => {
      metrics.notifications.inc({ kind });
      return this.routes.filter((r) => r.kind === kind);
    };
    this.worker = startWorker(
      notifyQueue,
      this.options.hub,
      {
        alert: async (alert) => {
          const routes = routed('alert');
          if (routes.length === 0) return;
          const decision = await this.options.alerts.accept(alert);
          if (!decision.post) return;
          await this.enqueue(routes, { kind: 'alert', alert, since: decision.since, queuedAt: Date.now() });
          // The logs channel keeps the last lines of what died, beside the alert that announced it.
          if (alert.status === 'firing' && alert.logTail) {
            await this.enqueue(routed('logs'), { kind: 'logs', member: alert.member ?? alert.key, title: alert.title, text: alert.logTail, queuedAt: Date.now() });
          }
        },
        metrics: async (digest) => this.enqueue(routed('metrics'), { kind: 'metrics', digest, queuedAt: Date.now() }),
        healing: async (healing) => this.enqueue(routed('healing'), { kind: 'healing', healing, queuedAt: Date.now() }),
        audit: async (entry) => this.enqueue(routed('audit'), { kind: 'audit', entry, queuedAt: Date.now() }),
        finding: async (finding) => {
          const routes = routed('finding');
          if (routes.length === 0) return;
          // One confirmation for the opportunity, whichever platform's button or prompt answers it.
          const { execute } = this.options;
          const confirmation = finding.type === 'opportunity' && execute && !execute.automatic(finding.opportunity) ? await execute.propose(finding.opportunity) : undefined;
          await this.enqueue(routes, { kind: 'finding', finding, confirmation, queuedAt: Date.now() });
        },
      },
      { concurrency: 1, log: this.options.log },
    );
    this.timer = setInterval(() => {
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    }, FLUSH_EVERY_MS);
  }

  /** Notices not yet out: items waiting in the outboxes, plus one while a flush is under way. */
  async pending(): Promise<number> {
    const lengths = await Promise.all([...new Set(this.routes.map((r) => this.outbox(r)))].map((o) => this.options.hub.client.llen(o)));
    return lengths.reduce((a, b) => a + b, 0) + (this.flushing ? 1 : 0);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    // Bounded, Redis up or down: what is not sent yet stays in the outbox for the next run.
    if (this.worker) await closeWorker(this.worker, this.options.hub);
    await within(this.flushing ?? Promise.resolve(), 1000);
  }

  private outbox(route: Pick<NotifyRoute, 'sink' | 'destination'>) {
    return this.options.hub.key('notify', 'pending', route.sink, route.destination);
  }

  private async enqueue(routes: NotifyRoute[], item: OutboxItem) {
    const outboxes = [...new Set(routes.map((r) => this.outbox(r)))];
    if (outboxes.length === 0) return;
    const tx = this.options.hub.client.multi();
    for (const outbox of outboxes) tx.rpush(outbox, JSON.stringify(item));
    await tx.exec();
  }

  private allowance(outbox: string): number {
    const now = Date.now();
    const recent = (this.sent.get(outbox) ?? []).filter((t) => now - t < 60_000);
    this.sent.set(outbox, recent);
    return this.options.maxPerMinute - recent.length;
  }

  private async flush(): Promise<void> {
    const destinations = new Map(this.routes.map((r) => [this.outbox(r), r]));
    for (const [outbox, route] of destinations) {
      try {
        await this.flushOutbox(outbox, route, this.sinks.get(route.sink)!);
      } catch (error) {
        this.options.log.warn('notifier flush failed', { sink: route.sink, destination: route.destination, error });
      }
    }
  }

  private async flushOutbox(outbox: string, route: NotifyRoute, sink: NoticeSink) {
    const redis = this.options.hub.client;
    const oldest = readJson(OutboxItemSchema, await redis.lindex(outbox, 0));
    if (!oldest) {
      // An unreadable head (written by another version) would block the outbox for good.
      if ((await redis.llen(outbox)) > 0) await redis.lpop(outbox);
      return;
    }
    // Wait out the group window from the oldest item, so what arrives together goes out together.
    if (Date.now() - oldest.queuedAt < this.options.groupWaitMs) return;
    if (this.allowance(outbox) <= 0) return;
    const [[, raw]] = (await redis.multi().lrange(outbox, 0, BATCH - 1).ltrim(outbox, BATCH, -1).exec()) as [[null, string[]], unknown];
    const items = raw.flatMap((r) => readJson(OutboxItemSchema, r) ?? []);
    const waiting = items.flatMap((i) => (i.kind === 'message' ? [i.message] : []));
    const messages = [...waiting, ...sink.render(await this.digest(items))];
    for (const [i, message] of messages.entries()) {
      if (this.allowance(outbox) <= 0) {
        metrics.notifierMessages.inc({ outcome: 'held' }, messages.length - i);
        this.options.log.warn('notifier rate limit reached; holding messages', { sink: route.sink, destination: route.destination, held: messages.length - i });
        await this.requeue(outbox, messages.slice(i));
        return;
      }
      try {
        await sink.send(route.destination, message);
        this.sent.get(outbox)!.push(Date.now());
        metrics.notifierMessages.inc({ outcome: 'sent' });
      } catch (error) {
        if (sink.permanent(error)) {
          metrics.notifierMessages.inc({ outcome: 'rejected' });
          this.options.log.error(`${route.sink} rejected a notification; dropped`, { destination: route.destination, ...(sink.explain?.(error) ?? { error }) });
          continue;
        }
        // The platform or the network is down: what has not gone out waits for the next flush.
        metrics.notifierMessages.inc({ outcome: 'held' });
        await this.requeue(outbox, messages.slice(i));
        throw error;
      }
    }
  }

  /** Puts rendered messages back at the front of the outbox, in order, ready to go out without waiting again. */
  private async requeue(outbox: string, messages: unknown[]) {
    const items = messages.map((message) => JSON.stringify({ kind: 'message', message, queuedAt: 0 }));
    await this.options.hub.client.lpush(outbox, ...items.reverse());
  }

  /**
   * The items as one digest, every text redacted. An alert that fired and cleared within the same group window is
   * not worth anyone's attention: both are left out.
   */
  private async digest(items: OutboxItem[]): Promise<Digest> {
    type AlertItem = Extract<OutboxItem, { kind: 'alert' }>;
    const alerts = items.filter((i): i is AlertItem => i.kind === 'alert');
    const cleared = new Set(alerts.filter((i) => i.alert.status === 'resolved').map((i) => i.alert.key));
    const announced = new Set(alerts.filter((i) => i.alert.status === 'firing').map((i) => i.alert.key));
    const firing = alerts.filter((i) => i.alert.status === 'firing' && !cleared.has(i.alert.key));
    const counts = (await this.options.alerts.counts(firing.map((f) => f.alert.key))).map((c) => c ?? 1);
    const severities = firing.map((f) => f.alert.severity);
    const digest: Digest = {
      firing: firing.map((f, i) => ({ alert: f.alert, since: f.since, count: counts[i]! })),
      resolved: alerts.filter((i) => i.alert.status === 'resolved' && !announced.has(i.alert.key)).map((i) => ({ alert: i.alert, since: i.since })),
      worst: severities.includes('critical') ? 'critical' : severities.includes('warning') ? 'warning' : severities.length ? 'info' : undefined,
      healing: items.flatMap((i) => (i.kind === 'healing' ? [i.healing] : [])),
      audit: items.flatMap((i) => (i.kind === 'audit' ? [i.entry] : [])),
      findings: items.flatMap((i) => (i.kind === 'finding' && i.finding.type !== 'opportunity' ? [i.finding] : [])),
      opportunities: items.flatMap((i) => (i.kind === 'finding' && i.finding.type === 'opportunity' ? [{ opportunity: i.finding.opportunity, confirmation: i.confirmation }] : [])),
      metrics: items.flatMap((i) => (i.kind === 'metrics' ? [i.digest] : [])),
      logs: items.flatMap((i) => (i.kind === 'logs' ? [{ member: i.member, title: i.title, text: i.text }] : [])),
    };
    // Alert details, healing notes and audit lines come from tools, logs and people: redacted on the way out.
    return redactDeep(digest);
  }
}
