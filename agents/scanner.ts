import { UnrecoverableError } from 'bullmq';
import { formatUnits } from 'ethers';
import { NOT_SIMULATED, type ScanResult } from '../defi/engine.js';
import type { Opportunity } from '../defi/opportunity.js';
import type { RedisHub } from '../redis/hub.js';
import { defiQueue, executeQueue } from '../queues/defi.js';
import { within } from '../queues/stopping.js';
import { QueueClient } from '../queues/typed-queue.js';
import { countDefi, lastScan, postedProfits, recordPoll, recordRpcFailure, recordScan, updatePosted, type ScanSummary } from '../state/defi-scan.js';
import { metrics } from '../telemetry/metrics.js';
import { openEngine } from './defi-engine.js';
import { Lease } from './lease.js';
import { answers, defineAgent, repeat } from './worker-agent.js';

/**
 * The scanner watches the chain: on every new block it reads every watched pool, sizes the cycles, simulates the
 * best, stores the scan in Redis and posts to the findings channel what the simulation confirmed — each opportunity
 * once, again only when its net profit grows by a tenth or after its gap closed. It also answers the `defi` queue
 * (/scan, /opportunities, /price, /pools). With RPC_URL or POOLS_FILE unset it only answers, saying what to set.
 * Side effects: JSON-RPC reads; Redis keys `<prefix>:defi:*`; notify and execute jobs.
 */

/** A re-post needs the net profit to grow by this much (per mille). */
const GROWTH_PERMILLE = 1100n;

function summarize(scan: ScanResult): ScanSummary {
  const { block, at, pools, cycles, unreadable, warnings, candidates, opportunities, rejected, timings } = scan;
  return { block, at, pools, cycles, unreadable, warnings, candidates, opportunities, rejected, totalMs: timings.totalMs };
}

/**
 * Which opportunities to post now; remembers what was posted, and forgets cycles whose gap closed — not those that
 * only went unsimulated this block because others ranked higher, or they would be posted again when back on top.
 */
async function toPost(hub: RedisHub, scan: ScanResult): Promise<Opportunity[]> {
  const posted = await postedProfits(hub);
  const open = new Set([...scan.opportunities.map((o) => o.id), ...scan.rejected.filter((r) => r.reason === NOT_SIMULATED).map((r) => r.id)]);
  const closed = Object.keys(posted).filter((id) => !open.has(id));
  const fresh = scan.opportunities.filter((o) => {
    const before = posted[o.id];
    return before === undefined || BigInt(o.netProfit) * 1000n >= BigInt(before) * GROWTH_PERMILLE;
  });
  await updatePosted(hub, closed, Object.fromEntries(fresh.map((o) => [o.id, o.netProfit])));
  return fresh;
}

function observe(scan: ScanResult, posted: number) {
  metrics.scannerPairs.inc(scan.pools);
  metrics.scanSeconds.observe(scan.timings.totalMs / 1000);
  metrics.opportunities.inc({ outcome: 'posted' }, posted);
  metrics.opportunities.inc({ outcome: 'repeat' }, scan.opportunities.length - posted);
  const best = scan.opportunities.reduce<Opportunity | undefined>((a, o) => (!a || BigInt(o.netProfit) > BigInt(a.netProfit) ? o : a), undefined);
  if (best) metrics.simulatedProfit.set({ token: best.baseToken.symbol }, Number(formatUnits(best.netProfit, best.baseToken.decimals)));
}

export const scannerAgent = defineAgent({
  name: 'scanner',
  description: 'on every block: read pools, size cycles, simulate, post findings',
  work({ hub, log, notify, defi }, heartbeat) {
    const execute = new QueueClient(executeQueue, hub);
    const record = async (scan: ScanResult) => {
      const summary = summarize(scan);
      await recordScan(hub, summary);
      return summary;
    };

    const queue = answers(
      defiQueue,
      {
        async scan() {
          return record(await (await openEngine(defi)).scan());
        },
        async opportunities() {
          return { scan: await lastScan(hub) };
        },
        async price({ base, quote }) {
          const p = await (await openEngine(defi)).prices(base, quote).catch((error: Error) => {
            throw new UnrecoverableError(error.message);
          });
          return {
            base: p.base.symbol,
            quote: p.quote.symbol,
            baseDecimals: p.base.decimals,
            quoteDecimals: p.quote.decimals,
            block: p.block,
            quotes: p.quotes.map((q) => ({ ...q, reserveBase: String(q.reserveBase), reserveQuote: String(q.reserveQuote) })),
            spreadPercent: p.spreadPercent,
          };
        },
        async pools() {
          const e = await openEngine(defi);
          const { block, pools } = await e.pools();
          return {
            block,
            missing: e.registry.missing,
            pools: pools.map(({ pool, reserves }) => ({
              dex: pool.dex.name,
              address: pool.address,
              token0: pool.token0.symbol,
              token1: pool.token1.symbol,
              decimals0: pool.token0.decimals,
              decimals1: pool.token1.decimals,
              reserve0: reserves && String(reserves.reserve0),
              reserve1: reserves && String(reserves.reserve1),
            })),
          };
        },
      },
      { concurrency: 4, log },
    );

    let lastBlock = -1;
    let lastError: string | undefined;
    // One scanner scans, however many replicas run: the others stand by and take over when it stops renewing.
    const lease = new Lease(hub, 'scanner');
    const tick = async () => {
      try {
        if (!(await lease.hold())) return;
        const e = await defi.engine();
        const block = await e.blockNumber();
        // Every poll, new block or not: a head that stops moving and a scanner that stops asking are different alerts.
        await recordPoll(hub, block);
        if (block !== lastBlock) {
          const scan = await e.scan({ blockTag: block });
          lastBlock = block;
          await record(scan);
          const fresh = await toPost(hub, scan);
          observe(scan, fresh.length);
          for (const opportunity of fresh) await notify.add('finding', { type: 'opportunity', opportunity, at: Date.now() });
          await countDefi(hub, 'scans');
          if (fresh.length) await countDefi(hub, 'posted', fresh.length);
          const auto = defi.config.executor ? fresh.filter((o) => o.risk.ok && autoExecutes(defi.config.autoExecute, o)) : [];
          for (const o of auto) await execute.add('run', { id: o.id, requestedBy: 'auto-execute', auto: true });
          heartbeat.count('done');
        }
        if (lastError) log.info('chain reachable again', { block });
        lastError = undefined;
      } catch (error) {
        const message = (error as Error).message;
        // Said once per distinct failure: a dead RPC must not flood the log every second.
        if (message !== lastError) log.warn('scan failed; retrying', { error: message });
        lastError = message;
        heartbeat.count('failed');
        await recordRpcFailure(hub, message).catch(() => {});
      }
    };
    if (defi.missing()) log.info(defi.missing()!);
    const watching = defi.missing() ? undefined : repeat(() => defi.config.pollMs, tick, log);
    return {
      queue,
      ready: watching?.ready,
      async stop() {
        await watching?.stop();
        await within(lease.release(), 1000);
        await within(execute.close(), 1000);
      },
    };
  },
});

export function autoExecutes(pairs: readonly string[], o: Opportunity): boolean {
  const name = o.pair.join('/').toUpperCase();
  return pairs.some((p) => p.toLowerCase() === 'all' || p.toUpperCase() === name || p.toUpperCase() === [...o.pair].reverse().join('/').toUpperCase());
}
