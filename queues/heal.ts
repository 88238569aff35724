import { z } from 'zod';
import { MemberNameSchema } from '../config/manifest.js';
import { defineQueue } from './typed-queue.js';

/**
 * The `heal` queue: one job per member (or hung agent) that needs healing, deduplicated per member and delayed by its backoff. A job
 * outlives the healer that added it: if the healer dies mid-restart, the next healer takes the job and finishes it.
 */
export const healQueue = defineQueue({
  name: 'heal',
  // A failed heal is tried again soon: the member is down meanwhile.
  defaults: { attempts: 3, backoff: { type: 'fixed', delay: 500 } },
  jobs: {
    heal: {
      payload: z.object({
        member: MemberNameSchema,
        /** What went wrong, in words: "killed by SIGKILL", "did not answer ping". */
        reason: z.string(),
        /** When the health state that triggered this began; a member healthy since then needs nothing. */
        detectedAt: z.number(),
        /** Set once the restart was asked for, so a healer taking over does not restart twice. */
        restartRequestedAt: z.number().optional(),
      }),
      result: z.object({ outcome: z.enum(['restarted', 'recovered', 'paused', 'skipped']), detail: z.string() }),
      options: (payload: { member: string }) => ({ deduplication: { id: `heal-${payload.member}` } }),
    },
    /** An agent that stopped beating while the process that runs it still beats (hung): restarted in that process. */
    'heal-agent': {
      payload: z.object({
        agent: z.string().min(1).max(32),
        /** The process that runs it (state/agent-hosts.ts): the restart goes there. */
        host: z.string().min(1),
        reason: z.string(),
        /** Its last heartbeat: a beat since then means it came back by itself. */
        detectedAt: z.number(),
        restartRequestedAt: z.number().optional(),
      }),
      result: z.object({ outcome: z.enum(['restarted', 'recovered', 'paused', 'skipped']), detail: z.string() }),
      options: (payload: { agent: string }) => ({ deduplication: { id: `heal-agent-${payload.agent}` } }),
    },
  },
});
