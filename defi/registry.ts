import { getAddress, type JsonRpcProvider } from 'ethers';
import { calldata, readWords, SELECTOR, wordToAddress, type BlockTag } from './batch-read.js';
import { PoolsFileError, type PoolsFile, type V2DexConfig } from './pools-file.js';

/**
 * The pool registry: the pools file resolved against the chain — tokens by symbol, each configured pair's pool on
 * every DEX (factory.getPair, batched), and the pairs of the factory index ranges to discover.
 * Side effects: eth_call to the provider's endpoint while building.
 */

export interface Token {
  symbol: string;
  address: string;
  decimals: number;
}

type DexKind = 'uniswap-v2' | 'uniswap-v3';

export interface Dex {
  name: string;
  kind: DexKind;
  factory: string;
  router?: string;
  /** V2 only: the pairs' fee in basis points (a V3 pool has its own fee). */
  feeBps: number;
}

export interface Pool {
  address: string;
  dex: Dex;
  token0: Token;
  token1: Token;
  /** V3 only: the pool's fee in hundredths of a bip and its tick spacing. */
  fee?: number;
  tickSpacing?: number;
}

export const isV3 = (pool: Pool) => pool.dex.kind === 'uniswap-v3';

export class UnknownTokenError extends Error {}

export class PoolRegistry {
  private readonly byPair = new Map<string, Pool[]>();

  constructor(
    readonly tokens: Token[],
    readonly dexes: Dex[],
    readonly pools: Pool[],
    readonly base: Token,
    /** Pairs of the file that no DEX has a pool for, as "A/B". */
    readonly missing: string[],
  ) {
    for (const pool of pools) {
      const key = pairKey(pool.token0.address, pool.token1.address);
      this.byPair.set(key, [...(this.byPair.get(key) ?? []), pool]);
    }
  }

  /** A token by symbol (any case) or address; the error lists the known symbols. */
  token(ref: string): Token {
    const found = isAddress(ref)
      ? this.tokens.find((t) => t.address === getAddress(ref.toLowerCase()))
      : this.tokens.find((t) => t.symbol.toUpperCase() === ref.toUpperCase());
    if (!found) throw new UnknownTokenError(`unknown token "${ref.slice(0, 42)}" — known: ${this.tokens.map((t) => t.symbol).join(', ')}`);
    return found;
  }

  /** Every pool of the two tokens, on every DEX. */
  poolsOf(a: Token, b: Token): Pool[] {
    return this.byPair.get(pairKey(a.address, b.address)) ?? [];
  }

  /** Pairs with at least one pool, each once. */
  pairs(): [Token, Token][] {
    return [...this.byPair.values()].map((pools) => [pools[0]!.token0, pools[0]!.token1]);
  }
}

/** A 0x address (ethers' isAddress would narrow a symbol to `never`). */
const isAddress = (ref: string) => /^0x[0-9a-fA-F]{40}$/.test(ref);

export const pairKey = (a: string, b: string) => (a.toLowerCase() < b.toLowerCase() ? `${a}/${b}` : `${b}/${a}`).toLowerCase();

const shortLabel = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/** Resolves the pools file against the chain. Unknown symbols are errors; pairs no DEX lists are reported in `missing`. */
export async function buildRegistry(provider: JsonRpcProvider, file: PoolsFile, blockTag: BlockTag = 'latest'): Promise<PoolRegistry> {
  const tokens: Token[] = file.tokens.map((t) => ({ ...t }));
  const dexes: Dex[] = file.dexes.map((d) => (d.kind === 'uniswap-v3' ? { name: d.name, kind: d.kind, factory: d.factory, feeBps: 0 } : { name: d.name, kind: d.kind, factory: d.factory, router: d.router, feeBps: d.feeBps }));
  const spacings = await checkFactories(provider, file, blockTag);
  const byAddress = new Map(tokens.map((t) => [t.address.toLowerCase(), t]));

  const unknownAddresses = new Set<string>();
  const resolve = (ref: string, where: string): string => {
    if (isAddress(ref)) {
      const address = getAddress(ref.toLowerCase());
      if (!byAddress.has(address.toLowerCase())) unknownAddresses.add(address);
      return address;
    }
    const token = tokens.find((t) => t.symbol.toUpperCase() === ref.toUpperCase());
    if (!token) throw new UnknownTokenError(`${where}: unknown token "${ref.slice(0, 42)}" — add it to "tokens" or use its address; known: ${tokens.map((t) => t.symbol).join(', ') || 'none'}`);
    return token.address;
  };
  const baseAddress = resolve(file.baseToken, 'baseToken');
  const pairs = file.pairs.map(([a, b], i) => {
    const pair = [resolve(a, `pairs[${i}]`), resolve(b, `pairs[${i}]`)] as const;
    if (pair[0] === pair[1]) throw new UnknownTokenError(`pairs[${i}]: a pair needs two different tokens`);
    return pair;
  });

  // Every configured pair on every DEX (at every fee tier of a V3 DEX), in one batched read.
  const lookups = dexes.flatMap((dex, d) => {
    const config = file.dexes[d]!;
    const fees: (number | undefined)[] = config.kind === 'uniswap-v3' ? config.fees : [undefined];
    return pairs.flatMap(([a, b]) => fees.map((fee) => ({ dex, a, b, fee, tickSpacing: fee === undefined ? undefined : spacings.get(`${d}:${fee}`) })));
  });
  const found = await readWords(
    provider,
    lookups.map(({ dex, a, b, fee }) => ({ target: dex.factory, data: fee === undefined ? calldata(SELECTOR.getPair, a, b) : calldata(SELECTOR.getPool, a, b, BigInt(fee)) })),
    blockTag,
  );
  const raw: { dex: Dex; address: string; token0?: string; token1?: string; fee?: number; tickSpacing?: number }[] = [];
  const listed = new Set<string>();
  lookups.forEach(({ dex, a, b, fee, tickSpacing }, i) => {
    if (found[i] === 0n) return;
    const [token0, token1] = a.toLowerCase() < b.toLowerCase() ? [a, b] : [b, a];
    raw.push({ dex, address: getAddress(wordToAddress(found[i]!)), token0, token1, fee, tickSpacing });
    listed.add(pairKey(a, b));
  });
  const missing = pairs.filter(([a, b]) => !listed.has(pairKey(a, b))).map(([a, b]) => `${labelOf(a, byAddress)}/${labelOf(b, byAddress)}`);

  raw.push(...(await discover(provider, file.dexes, dexes, blockTag)));
  for (const pool of raw) for (const t of [pool.token0!, pool.token1!]) if (!byAddress.has(t.toLowerCase())) unknownAddresses.add(t);

  // Tokens known only by address: their decimals from the chain, a short address as their label.
  const unknown = [...unknownAddresses];
  const decimals = await readWords(provider, unknown.map((address) => ({ target: address, data: SELECTOR.decimals })), blockTag);
  unknown.forEach((address, i) => {
    const token = { symbol: shortLabel(address), address, decimals: Number(decimals[i]! > 36n ? 18n : decimals[i]!) };
    tokens.push(token);
    byAddress.set(address.toLowerCase(), token);
  });

  const seen = new Set<string>();
  const pools: Pool[] = [];
  for (const p of raw) {
    if (seen.has(p.address)) continue;
    seen.add(p.address);
    const pool: Pool = { address: p.address, dex: p.dex, token0: byAddress.get(p.token0!.toLowerCase())!, token1: byAddress.get(p.token1!.toLowerCase())! };
    if (p.fee !== undefined) Object.assign(pool, { fee: p.fee, tickSpacing: p.tickSpacing });
    pools.push(pool);
  }
  return new PoolRegistry(tokens, dexes, pools, byAddress.get(baseAddress.toLowerCase())!, missing);
}

function labelOf(address: string, byAddress: Map<string, Token>): string {
  return byAddress.get(address.toLowerCase())?.symbol ?? shortLabel(address);
}

/** Pairs of the factory index ranges: allPairs(i), then token0 and token1 of each — three batched reads. */
async function discover(provider: JsonRpcProvider, configs: PoolsFile['dexes'], dexes: Dex[], blockTag: BlockTag) {
  const indices = configs.flatMap((config, d) => (config.kind === 'uniswap-v3' ? [] : (config as V2DexConfig).discover).flatMap(([from, to]) => Array.from({ length: Math.max(0, to - from) }, (_, k) => ({ dex: dexes[d]!, index: from + k }))));
  if (indices.length === 0) return [];
  const addresses = await readWords(provider, indices.map(({ dex, index }) => ({ target: dex.factory, data: calldata(SELECTOR.allPairs, BigInt(index)) })), blockTag);
  const pairs = indices.map((entry, i) => ({ ...entry, address: addresses[i]! })).filter((p) => p.address !== 0n).map((p) => ({ dex: p.dex, address: getAddress(wordToAddress(p.address)) }));
  const tokens = await readWords(provider, pairs.flatMap((p) => [{ target: p.address, data: SELECTOR.token0 }, { target: p.address, data: SELECTOR.token1 }]), blockTag);
  return pairs
    .map((p, i) => ({ ...p, token0: tokens[2 * i]!, token1: tokens[2 * i + 1]! }))
    .filter((p) => p.token0 !== 0n && p.token1 !== 0n)
    .map((p) => ({ dex: p.dex, address: p.address, token0: getAddress(wordToAddress(p.token0)), token1: getAddress(wordToAddress(p.token1)) }));
}

const FACTORY_SELECTOR = { allPairsLength: '0x574f2ba3', feeAmountTickSpacing: '0x22afcccb' } as const;

/** The answer of one eth_call, or undefined when it reverts or returns nothing (no code, another contract). */
async function callWord(provider: JsonRpcProvider, to: string, data: string, blockTag: BlockTag): Promise<bigint | undefined> {
  const tag = typeof blockTag === 'number' ? `0x${blockTag.toString(16)}` : blockTag;
  try {
    const answer = (await provider.send('eth_call', [{ to, data }, tag])) as string;
    return answer.length >= 66 ? BigInt(answer.slice(0, 66)) : undefined;
  } catch (error) {
    // A revert means "not that kind of contract"; anything else (the node is down) is the caller's problem.
    if (/revert|execution/i.test((error as Error).message ?? '')) return undefined;
    throw error;
  }
}

/**
 * Each factory is of the kind the file says — a V2 factory answers allPairsLength, a V3 factory feeAmountTickSpacing
 * — and each V3 fee tier is enabled (its tick spacing is not 0). Every problem at once, with its JSON path.
 * Returns the tick spacing of each V3 DEX's fee tier, keyed "dexIndex:fee".
 */
async function checkFactories(provider: JsonRpcProvider, file: PoolsFile, blockTag: BlockTag): Promise<Map<string, number>> {
  const problems: string[] = [];
  const spacings = new Map<string, number>();
  await Promise.all(
    file.dexes.map(async (dex, d) => {
      if (dex.kind !== 'uniswap-v3') {
        if ((await callWord(provider, dex.factory, FACTORY_SELECTOR.allPairsLength, blockTag)) === undefined) problems.push(`dexes[${d}].factory: ${dex.factory} is not a Uniswap V2 factory (it does not answer allPairsLength)`);
        return;
      }
      const answers = await Promise.all(dex.fees.map((fee) => callWord(provider, dex.factory, calldata(FACTORY_SELECTOR.feeAmountTickSpacing, BigInt(fee)), blockTag)));
      if (answers.some((a) => a === undefined)) {
        problems.push(`dexes[${d}].factory: ${dex.factory} is not a Uniswap V3 factory (it does not answer feeAmountTickSpacing)`);
        return;
      }
      answers.forEach((spacing, f) => {
        if (spacing === 0n) problems.push(`dexes[${d}].fees[${f}]: fee tier ${dex.fees[f]} is not enabled by the factory (its tick spacing is 0)`);
        else spacings.set(`${d}:${dex.fees[f]}`, Number(BigInt.asIntN(24, spacing!)));
      });
    }),
  );
  if (problems.length) throw new PoolsFileError(problems.sort().join('; '));
  return spacings;
}
