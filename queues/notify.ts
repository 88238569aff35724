import { z } from 'zod';
import { OpportunitySchema } from '../defi/opportunity.js';
import { AuditEntrySchema } from '../security/audit.js';
import { defineQueue, QueueClient } from './typed-queue.js';

/**
 * The `notify` queue: everything fleetbot tells a channel without being asked — alerts, healing actions, arbitrage
 * findings, the audit trail. Producers (agents) add; the notifier routes each kind to its channel.
 */

const SeveritySchema = z.enum(['info', 'warning', 'critical']);

export const AlertSchema = z.object({
  /** Identity of the alert across repeats: firing and resolved share it. */
  key: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  severity: SeveritySchema,
  member: z.string().optional(),
  title: z.string(),
  detail: z.string().optional(),
  /** What an operator asks next, answered: how it ended, how long it had run, its restarts in the window. */
  context: z.array(z.string()).optional(),
  /** Its last log lines before it died, redacted: sent along as a file. */
  logTail: z.string().optional(),
  at: z.number(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const HealingSchema = z.object({
  member: z.string(),
  action: z.string(),
  title: z.string(),
  detail: z.string().optional(),
  /** The alert this healing answers (its title), so the two read together. */
  answers: z.string().optional(),
  at: z.number(),
});

/**
 * An arbitrage finding for the findings channel: a simulated opportunity (posted once, again only when it grows),
 * an execution's outcome, or the reporter's periodic digest.
 */
export const FindingSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('opportunity'), opportunity: OpportunitySchema, at: z.number() }),
  z.object({
    type: z.literal('execution'),
    opportunity: OpportunitySchema,
    ok: z.boolean(),
    detail: z.string(),
    txHash: z.string().optional(),
    at: z.number(),
  }),
  z.object({ type: z.literal('digest'), title: z.string(), lines: z.array(z.string()), at: z.number() }),
]);
export type Finding = z.infer<typeof FindingSchema>;

/** A periodic digest of the fleet's figures for the metrics channel, with a chart (PNG, base64) where there is one. */
export const MetricsDigestSchema = z.object({
  title: z.string(),
  lines: z.array(z.string()),
  chart: z.object({ filename: z.string(), pngBase64: z.string().max(2_000_000) }).optional(),
  at: z.number(),
});
export type MetricsDigest = z.infer<typeof MetricsDigestSchema>;

const delivered = z.void();

export const notifyQueue = defineQueue({
  name: 'notify',
  defaults: {
    // Delivery to a chat may fail for a while (rate limits, outages); a notice late is better than none.
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
  },
  jobs: {
    alert: { payload: AlertSchema, result: delivered },
    healing: { payload: HealingSchema, result: delivered },
    audit: { payload: AuditEntrySchema, result: delivered },
    finding: { payload: FindingSchema, result: delivered },
    metrics: { payload: MetricsDigestSchema, result: delivered },
  },
});

export type NotifyClient = QueueClient<typeof notifyQueue.jobs>;
