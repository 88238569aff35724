import { z } from 'zod';
import { OpportunitySchema } from '../defi/opportunity.js';
import type { RedisHub } from '../redis/hub.js';
import { readJson } from '../redis/json.js';

/**
 * What the DeFi agents share through Redis: the latest scan (the scanner writes it; /opportunities, the reporter and
 * the dashboard read it), whether the chain last answered, which opportunities were posted at what profit, and the
 * counters of the reporter's digest (scans, findings posted, executions).
 * Side effects: reads and writes the `<prefix>:defi:*` keys.
 */

export const ScanSummarySchema = z.object({
  block: z.number().int(),
  at: z.number(),
  pools: z.number().int(),
  cycles: z.number().int(),
  unreadable: z.array(z.string()),
  warnings: z.array(z.string()).default([]).describe('What the scan went on without (V3 pools whose state could not be read)'),
  candidates: z.number().int(),
  opportunities: z.array(OpportunitySchema),
  rejected: z.array(z.object({ id: z.string(), reason: z.string() })),
  totalMs: z.number(),
});
export type ScanSummary = z.infer<typeof ScanSummarySchema>;

const RpcStateSchema = z.object({ ok: z.boolean(), block: z.number().int().optional(), error: z.string().optional(), at: z.number() });
export type RpcState = z.infer<typeof RpcStateSchema>;

/** The digest's counters. */
export type DefiCounter = 'scans' | 'posted' | 'executed';

const keys = (hub: RedisHub) => ({
  lastScan: hub.key('defi', 'last-scan'),
  posted: hub.key('defi', 'posted'),
  rpc: hub.key('defi', 'rpc'),
  stats: hub.key('defi', 'stats'),
});

export async function lastScan(hub: RedisHub): Promise<ScanSummary | null> {
  return readJson(ScanSummarySchema, await hub.client.get(keys(hub).lastScan)) ?? null;
}

/** A scan done: it is the latest, and the chain answered at its block. */
export async function recordScan(hub: RedisHub, scan: ScanSummary): Promise<void> {
  const rpc: RpcState = { ok: true, block: scan.block, at: scan.at };
  await hub.client.multi().set(keys(hub).lastScan, JSON.stringify(scan)).set(keys(hub).rpc, JSON.stringify(rpc)).exec();
}

/** A poll that found the chain answering (a new block or not): the head it saw, for /metrics. */
export async function recordPoll(hub: RedisHub, block: number): Promise<void> {
  const rpc: RpcState = { ok: true, block, at: Date.now() };
  await hub.client.set(keys(hub).rpc, JSON.stringify(rpc));
}

export async function recordRpcFailure(hub: RedisHub, error: string): Promise<void> {
  const rpc: RpcState = { ok: false, error, at: Date.now() };
  await hub.client.set(keys(hub).rpc, JSON.stringify(rpc));
}

export async function rpcState(hub: RedisHub): Promise<RpcState | undefined> {
  return readJson(RpcStateSchema, await hub.client.get(keys(hub).rpc));
}

/** Opportunity id → the net profit (wei, as a string) it was last posted with. */
export function postedProfits(hub: RedisHub): Promise<Record<string, string>> {
  return hub.client.hgetall(keys(hub).posted);
}

export async function updatePosted(hub: RedisHub, forget: string[], remember: Record<string, string>): Promise<void> {
  const tx = hub.client.multi();
  if (forget.length) tx.hdel(keys(hub).posted, ...forget);
  if (Object.keys(remember).length) tx.hset(keys(hub).posted, remember);
  await tx.exec();
}

export async function countDefi(hub: RedisHub, counter: DefiCounter, by = 1): Promise<void> {
  await hub.client.hincrby(keys(hub).stats, counter, by);
}

/** The counters since the last digest, reset to zero in the same step. */
export async function takeDefiCounts(hub: RedisHub): Promise<Record<DefiCounter, number>> {
  const key = keys(hub).stats;
  const [[, stats]] = (await hub.client.multi().hgetall(key).del(key).exec()) as [[null, Record<string, string>]];
  return { scans: Number(stats.scans ?? 0), posted: Number(stats.posted ?? 0), executed: Number(stats.executed ?? 0) };
}
