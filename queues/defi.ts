import { z } from 'zod';
import { OpportunitySchema } from '../defi/opportunity.js';
import { ScanSummarySchema } from '../state/defi-scan.js';
import { defineQueue, QueueClient } from './typed-queue.js';

/**
 * The DeFi queues: one per agent, because a BullMQ worker takes every job of its queue. `defi` is answered by the
 * scanner (scan, latest opportunities, prices, pools), `risk` by the risk agent, `execute` by the executor.
 */

const answered = {
  // A user waits for the answer: no retries, short retention.
  attempts: 1,
  removeOnComplete: { count: 500 },
  removeOnFail: { count: 1000 },
};

const Amount = z.string();

export const defiQueue = defineQueue({
  name: 'defi',
  defaults: answered,
  jobs: {
    scan: { payload: z.object({}), result: ScanSummarySchema },
    opportunities: { payload: z.object({}), result: z.object({ scan: ScanSummarySchema.nullable() }) },
    price: {
      payload: z.object({ base: z.string().min(1).max(42), quote: z.string().min(1).max(42) }),
      result: z.object({
        base: z.string(),
        quote: z.string(),
        baseDecimals: z.number().int(),
        quoteDecimals: z.number().int(),
        block: z.number().int(),
        quotes: z.array(z.object({ dex: z.string(), pool: z.string(), price: z.number(), reserveBase: Amount, reserveQuote: Amount })),
        spreadPercent: z.number().optional(),
      }),
    },
    pools: {
      payload: z.object({}),
      result: z.object({
        block: z.number().int(),
        pools: z.array(
          z.object({
            dex: z.string(),
            address: z.string(),
            token0: z.string(),
            token1: z.string(),
            reserve0: z.string().optional(),
            reserve1: z.string().optional(),
            decimals0: z.number().int(),
            decimals1: z.number().int(),
          }),
        ),
        missing: z.array(z.string()),
      }),
    },
  },
});

export const riskQueue = defineQueue({
  name: 'risk',
  defaults: answered,
  jobs: {
    check: {
      payload: z.object({ id: z.string().min(1).max(80) }),
      result: z.object({ ok: z.boolean(), reasons: z.array(z.string()), opportunity: OpportunitySchema.optional() }),
    },
  },
});

export const executeQueue = defineQueue({
  name: 'execute',
  defaults: answered,
  jobs: {
    run: {
      payload: z.object({ id: z.string().min(1).max(80), requestedBy: z.string(), auto: z.boolean().default(false) }),
      result: z.object({
        ok: z.boolean(),
        refused: z.string().optional(),
        txHash: z.string().optional(),
        block: z.number().int().optional(),
        profit: Amount.optional(),
        gasUsed: Amount.optional(),
        opportunity: OpportunitySchema.optional(),
      }),
      // One execution of an opportunity at a time, however many operators press Execute.
      options: (payload: { id: string }) => ({ deduplication: { id: `execute-${payload.id}` } }),
    },
  },
});

export type DefiClient = QueueClient<typeof defiQueue.jobs>;
export type RiskClient = QueueClient<typeof riskQueue.jobs>;
export type ExecuteClient = QueueClient<typeof executeQueue.jobs>;
