import type { JsonRpcProvider } from 'ethers';
import { spotPrice } from './amm-math.js';
import { readReserves, type BlockTag, type Reserves } from './batch-read.js';
import { connect, rpc } from './chain.js';
import { cycleId, enumerateCycles, evaluate, type Candidate, type Cycle } from './cycles.js';
import { cheapestLoan, pairLenders, readLenders, v3Lenders, type FlashLoan, type ProtocolLender } from './flash-loans.js';
import type { Opportunity } from './opportunity.js';
import { readPoolsFile, type PoolsFile } from './pools-file.js';
import { buildRegistry, isV3, pairKey, type Pool, type PoolRegistry, type Token } from './registry.js';
import type { RiskSettings } from '../config/index.js';
import { checkRisk, resolveLimits, type RiskLimits } from './risk.js';
import { readV3States, type V3Read } from './v3-read.js';
import { simulate, type SimulationTarget } from './simulate.js';

/**
 * The arbitrage engine: reads every watched pool in one batched call per block, sizes every cycle in closed form,
 * prices the flash loan and the gas, and confirms the best candidates by simulating the whole flash arbitrage.
 * Side effects: JSON-RPC to the configured endpoint (reads and eth_call only; it never sends a transaction).
 */

export interface EngineOptions {
  rpcUrl: string;
  /** A path, or the file already parsed. */
  pools: string | PoolsFile;
  risk: RiskSettings;
  /** How many of the best candidates each scan simulates. */
  simulateTop: number;
  /** A deployed FlashArbitrage and its owner: simulations then run exactly what the executor would send. */
  target?: SimulationTarget;
  /** Told about lenders that could not be read (the scan goes on without them). */
  onWarning?: (message: string) => void;
}

export interface ScanOptions {
  blockTag?: BlockTag;
}

export interface Rejection {
  id: string;
  reason: string;
}

export interface ScanResult {
  block: number;
  at: number;
  gasPrice: bigint;
  pools: number;
  cycles: number;
  /** Pools that answered no reserves or state (no code, reverting) or hold zero reserves. */
  unreadable: string[];
  /** What the scan went on without, in words: V3 pools whose state could not be read. */
  warnings: string[];
  /** Cycles that yield a profit before costs. */
  candidates: number;
  opportunities: Opportunity[];
  rejected: Rejection[];
  timings: { readMs: number; evaluateMs: number; simulateMs: number; totalMs: number };
}

/** Why a candidate that covers its costs went unconfirmed: others ranked higher this scan. Its gap is still open. */
export const NOT_SIMULATED = 'not among the best candidates simulated';

/** Gas of a flash arbitrage before it is simulated, used only to rank candidates. */
const GAS_GUESS = { base: 90_000n, perHop: 70_000n, v3: 60_000n };

export class Engine {
  readonly cycles: Cycle[];
  readonly limits: RiskLimits;
  private readonly byId: Map<string, Cycle>;
  private readonly baseLenders: Pool[];
  private readonly v3Lenders: Pool[];
  private readonly v3Pools: Pool[];

  private constructor(
    readonly provider: JsonRpcProvider,
    readonly registry: PoolRegistry,
    readonly file: PoolsFile,
    private readonly options: EngineOptions,
  ) {
    this.cycles = enumerateCycles(registry, { triangles: file.triangles });
    this.byId = new Map(this.cycles.map((c) => [cycleId(c), c]));
    this.limits = resolveLimits(options.risk, registry);
    const base = registry.base.address;
    const ofBase = registry.pools.filter((p) => p.token0.address === base || p.token1.address === base);
    this.baseLenders = file.flashLoans.uniswapV2 ? ofBase.filter((p) => !isV3(p)) : [];
    this.v3Lenders = file.flashLoans.uniswapV3 ? ofBase.filter(isV3) : [];
    this.v3Pools = registry.pools.filter(isV3);
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const file = typeof options.pools === 'string' ? readPoolsFile(options.pools) : options.pools;
    const provider = await connect(options.rpcUrl);
    try {
      const registry = await rpc(options.rpcUrl, () => buildRegistry(provider, file));
      return new Engine(provider, registry, file, options);
    } catch (error) {
      provider.destroy();
      throw error;
    }
  }

  cycle(id: string): Cycle | undefined {
    return this.byId.get(id);
  }

  get url(): string {
    return this.options.rpcUrl;
  }

  async blockNumber(): Promise<number> {
    return rpc(this.url, () => this.provider.getBlockNumber());
  }

  async gasPrice(): Promise<bigint> {
    return rpc(this.url, async () => BigInt((await this.provider.send('eth_gasPrice', [])) as string));
  }

  /** Reserves of every watched V2 pool at one block. */
  async reserves(blockTag: BlockTag): Promise<Map<string, Reserves>> {
    const pools = this.registry.pools.filter((p) => !isV3(p));
    const read = await rpc(this.url, () => readReserves(this.provider, pools.map((p) => p.address), blockTag));
    const out = new Map<string, Reserves>();
    read.forEach((r, i) => r && out.set(pools[i]!.address, r));
    return out;
  }

  /** State of every watched V3 pool at one block (with its balance of the base token); unreadable pools are left out. */
  async v3States(blockTag: BlockTag): Promise<Map<string, V3Read>> {
    const out = new Map<string, V3Read>();
    if (this.v3Pools.length === 0) return out;
    const refs = this.v3Pools.map((p) => ({ address: p.address, fee: p.fee!, tickSpacing: p.tickSpacing! }));
    const read = await rpc(this.url, () => readV3States(this.provider, refs, this.registry.base.address, blockTag));
    read.forEach((state, i) => state && out.set(refs[i]!.address, state));
    return out;
  }

  async scan({ blockTag }: ScanOptions = {}): Promise<ScanResult> {
    const began = performance.now();
    const block = typeof blockTag === 'number' ? blockTag : await this.blockNumber();
    const [reserves, v3, lenders, gasPrice] = await Promise.all([this.reserves(block), this.v3States(block), this.lenders(block), this.gasPrice()]);
    const read = performance.now();
    const candidates = evaluate(this.cycles, reserves, v3);
    const rejected: Rejection[] = [];
    const ranked = this.price(candidates, reserves, v3, lenders, gasPrice, rejected);
    const evaluated = performance.now();
    const opportunities: Opportunity[] = [];
    const top = ranked.slice(0, this.options.simulateTop);
    for (const skipped of ranked.slice(this.options.simulateTop)) rejected.push({ id: cycleId(skipped.candidate.cycle), reason: NOT_SIMULATED });
    const simulations = await Promise.all(top.map((r) => this.confirm(r.candidate, r.loan, gasPrice, block)));
    simulations.forEach((s, i) => (s.ok ? opportunities.push(s.opportunity) : rejected.push({ id: cycleId(top[i]!.candidate.cycle), reason: s.reason })));
    const done = performance.now();
    const unreadableV3 = this.v3Pools.filter((p) => !v3.has(p.address));
    const warnings = unreadableV3.map((p) => `V3 pool ${p.address} (${p.dex.name} ${p.token0.symbol}/${p.token1.symbol} ${p.fee! / 10_000} %) could not be read: left out of this scan`);
    for (const warning of warnings) this.options.onWarning?.(warning);
    const unreadable = [
      ...this.registry.pools.filter((p) => !isV3(p) && (!reserves.has(p.address) || reserves.get(p.address)!.reserve0 === 0n || reserves.get(p.address)!.reserve1 === 0n)).map((p) => p.address),
      ...unreadableV3.map((p) => p.address),
    ];
    return {
      block,
      at: Date.now(),
      gasPrice,
      pools: this.registry.pools.length,
      cycles: this.cycles.length,
      unreadable,
      warnings,
      candidates: candidates.length,
      opportunities: onePerPair(opportunities),
      rejected,
      timings: { readMs: read - began, evaluateMs: evaluated - read, simulateMs: done - evaluated, totalMs: done - began },
    };
  }

  /** The opportunity of one cycle now (fresh reserves, simulated), or why there is none. */
  async requote(id: string): Promise<{ ok: true; opportunity: Opportunity } | { ok: false; reason: string }> {
    const cycle = this.byId.get(id);
    if (!cycle) return { ok: false, reason: `no cycle "${id.slice(0, 64)}" among the ${this.cycles.length} watched` };
    const block = await this.blockNumber();
    const [reserves, v3, lenders, gasPrice] = await Promise.all([this.reserves(block), this.v3States(block), this.lenders(block), this.gasPrice()]);
    const [candidate] = evaluate([cycle], reserves, v3);
    if (!candidate) return { ok: false, reason: `no profit at block ${block}: the gap has closed` };
    const rejected: Rejection[] = [];
    const [ranked] = this.price([candidate], reserves, v3, lenders, gasPrice, rejected);
    if (!ranked) return { ok: false, reason: rejected[0]?.reason ?? 'not profitable' };
    const confirmed = await this.confirm(ranked.candidate, ranked.loan, gasPrice, block);
    return confirmed.ok ? confirmed : { ok: false, reason: confirmed.reason };
  }

  private async lenders(block: number): Promise<ProtocolLender[]> {
    const { balancerVault, aavePool } = this.file.flashLoans;
    if (!balancerVault && !aavePool) return [];
    return readLenders(this.provider, { balancerVault, aavePool }, this.registry.base, block, (source, error) =>
      this.options.onWarning?.(`${source} lender unreadable: ${(error as Error).message}`),
    );
  }

  /** Each candidate with its cheapest loan, if its profit covers the loan fee and a gas estimate; best first. */
  private price(candidates: Candidate[], reserves: Map<string, Reserves>, v3: Map<string, V3Read>, lenders: ProtocolLender[], gasPrice: bigint, rejected: Rejection[]) {
    const pairs = pairLenders(this.baseLenders, this.registry.base, reserves);
    const v3Pools = v3Lenders(this.v3Lenders.flatMap((pool) => (v3.has(pool.address) ? [{ pool, depth: v3.get(pool.address)!.balance }] : [])));
    const ranked: { candidate: Candidate; loan: FlashLoan; estimate: bigint }[] = [];
    for (const candidate of candidates) {
      const loan = cheapestLoan(candidate.amountIn, candidate.cycle.pools, lenders, pairs, v3Pools);
      if (!loan) {
        rejected.push({ id: cycleId(candidate.cycle), reason: `no flash-loan source can lend ${candidate.amountIn} of ${this.registry.base.symbol}` });
        continue;
      }
      const estimate = candidate.profit - loan.fee - (GAS_GUESS.base + GAS_GUESS.perHop * BigInt(candidate.legs.length) + (candidate.hops ? GAS_GUESS.v3 : 0n)) * gasPrice;
      if (estimate <= 0n) {
        rejected.push({ id: cycleId(candidate.cycle), reason: `profit ${candidate.profit} does not cover the loan fee ${loan.fee} and gas` });
        continue;
      }
      ranked.push({ candidate, loan, estimate });
    }
    return ranked.sort((x, y) => (y.estimate > x.estimate ? 1 : y.estimate < x.estimate ? -1 : 0));
  }

  /** Simulates the flash arbitrage; what it reports is what the simulation yielded. */
  private async confirm(candidate: Candidate, loan: FlashLoan, gasPrice: bigint, block: number): Promise<{ ok: true; opportunity: Opportunity } | { ok: false; reason: string }> {
    const { cycle, amountIn, amounts, legs } = candidate;
    const simulation = await rpc(this.url, () => simulate(this.provider, { cycle, amountIn, loan, minProfit: 0n }, this.options.target ?? {}, block));
    if (!simulation.ok) return { ok: false, reason: `simulation reverted: ${simulation.reason}` };
    const gasCost = simulation.gasUsed * gasPrice;
    const netProfit = simulation.profit - gasCost;
    if (netProfit <= 0n) return { ok: false, reason: `simulated profit ${simulation.profit} does not cover gas ${gasCost}` };
    const base = this.registry.base;
    const symbols = cycle.tokens.map((t) => t.symbol);
    const risk = checkRisk(
      {
        netProfit,
        gasPrice,
        baseSymbol: base.symbol,
        baseDecimals: base.decimals,
        hops: cycle.pools.map((pool, i) => ({ token: cycle.tokens[i]!.address, symbol: symbols[i]!, amountIn: i === 0 ? amountIn : amounts[i - 1]!, reserveIn: legs[i]!.reserveIn, pool: pool.address })),
      },
      this.limits,
    );
    return {
      ok: true,
      opportunity: {
        id: cycleId(cycle),
        block,
        at: Date.now(),
        pair: cycle.pools.length === 2 ? [symbols[0]!, symbols[1]!] : [symbols[1]!, symbols[2]!],
        path: symbols,
        dexes: cycle.pools.map(dexLabel),
        pools: cycle.pools.map((p) => p.address),
        buyDex: dexLabel(cycle.pools[0]!),
        sellDex: dexLabel(cycle.pools.at(-1)!),
        baseToken: { symbol: base.symbol, address: base.address, decimals: base.decimals },
        amountIn: String(amountIn),
        amountOut: String(simulation.profit + loan.fee + amountIn),
        profit: String(simulation.profit + loan.fee),
        flashLoan: loan.source,
        lender: loan.lender,
        flashLoanFee: String(loan.fee),
        gasUnits: String(simulation.gasUsed),
        gasPrice: String(gasPrice),
        gasCost: String(gasCost),
        netProfit: String(netProfit),
        simulated: true,
        risk,
      },
    };
  }

  /** The pair's price on every DEX (in `quote` per `base`), and the spread between the cheapest and dearest. */
  async prices(baseRef: string, quoteRef: string): Promise<{ base: Token; quote: Token; block: number; quotes: { dex: string; pool: string; price: number; reserveBase: bigint; reserveQuote: bigint }[]; spreadPercent?: number }> {
    const base = this.registry.token(baseRef);
    const quote = this.registry.token(quoteRef);
    const pools = this.registry.poolsOf(base, quote);
    const block = await this.blockNumber();
    const reserves = await this.depths(block);
    const quotes = pools.flatMap((pool) => {
      const r = reserves.get(pool.address);
      if (!r || r.reserve0 === 0n || r.reserve1 === 0n) return [];
      const [reserveBase, reserveQuote] = pool.token0.address === base.address ? [r.reserve0, r.reserve1] : [r.reserve1, r.reserve0];
      return [{ dex: dexLabel(pool), pool: pool.address, price: spotPrice(reserveBase, reserveQuote, base.decimals, quote.decimals), reserveBase, reserveQuote }];
    });
    const prices = quotes.map((q) => q.price);
    const spreadPercent = quotes.length > 1 ? ((Math.max(...prices) - Math.min(...prices)) / Math.min(...prices)) * 100 : undefined;
    return { base, quote, block, quotes, spreadPercent };
  }

  /** Every watched pool with its reserves at the latest block (a V3 pool's virtual reserves at its price; undefined when unreadable). */
  async pools(): Promise<{ block: number; pools: { pool: Pool; reserves?: Reserves }[] }> {
    const block = await this.blockNumber();
    const reserves = await this.depths(block);
    return { block, pools: this.registry.pools.map((pool) => ({ pool, reserves: reserves.get(pool.address) })) };
  }

  /** V2 reserves, and each V3 pool's virtual reserves at its price (L·2^96/√P, L·√P/2^96): what /pools and /price show. */
  private async depths(block: number): Promise<Map<string, Reserves>> {
    const [reserves, v3] = await Promise.all([this.reserves(block), this.v3States(block)]);
    for (const [address, s] of v3) reserves.set(address, s.liquidity === 0n ? { reserve0: 0n, reserve1: 0n } : { reserve0: (s.liquidity << 96n) / s.sqrtPriceX96, reserve1: (s.liquidity * s.sqrtPriceX96) >> 96n });
    return reserves;
  }

  close(): void {
    this.provider.destroy();
  }
}

/**
 * One finding per pair and block: cycles that share a pair compete for the same liquidity, so the best by net
 * profit is posted with the others listed inside it. Keeps the best-first order.
 */
export function onePerPair(opportunities: Opportunity[]): Opportunity[] {
  const sorted = [...opportunities].sort((x, y) => (BigInt(y.netProfit) > BigInt(x.netProfit) ? 1 : BigInt(y.netProfit) < BigInt(x.netProfit) ? -1 : 0));
  const byPair = new Map<string, Opportunity>();
  for (const o of sorted) {
    const key = pairKey(o.pair[0], o.pair[1]);
    const best = byPair.get(key);
    if (!best) byPair.set(key, { ...o });
    else best.runnersUp = [...(best.runnersUp ?? []), { id: o.id, dexes: o.dexes, pools: o.pools, amountIn: o.amountIn, netProfit: o.netProfit }];
  }
  return [...byPair.values()];
}

/** The DEX of a pool as users read it: a V3 pool's fee tier goes with its DEX's name ("uni3 0.05%"). */
const dexLabel = (pool: Pool) => (isV3(pool) ? `${pool.dex.name} ${pool.fee! / 10_000}%` : pool.dex.name);
