import type { JsonRpcProvider } from 'ethers';
import { deployless, type BlockTag } from './batch-read.js';
import { ownArtifact } from './contracts/index.js';
import type { V3State } from './v3-math.js';

/**
 * Uniswap V3 pool state in one deployless call per block (defi/contracts/BatchReaders.sol, V3Reader): slot0,
 * liquidity, the pool's balance of the base token (what it can lend by flash), and the tick-bitmap words around the
 * price with the liquidityNet of every initialized tick in them. Sliced by hand, like the V2 reserves.
 * Side effects: eth_call to the provider's endpoint.
 */

export interface V3Read extends V3State {
  /** The pool's balance of the token asked for (the base token). */
  balance: bigint;
}

/** Bitmap words read on each side of the price's word: 256 tick spacings each, far beyond what one block's trade moves. */
const WORDS_EACH_SIDE = 1;
// A constructor may return 24,576 bytes: 32 pools of 6 words each leave room for ~18 initialized ticks per pool;
// a chunk that overflows is split in two.
const CHUNK = 32;

const hex32 = (value: string | bigint) => (typeof value === 'string' ? value.slice(2).toLowerCase() : value.toString(16)).padStart(64, '0');

export interface V3PoolRef {
  address: string;
  fee: number;
  tickSpacing: number;
}

/** The state of each pool, in order; undefined for a pool that did not answer (no code, reverting, not a V3 pool). */
export async function readV3States(provider: JsonRpcProvider, pools: readonly V3PoolRef[], token: string, blockTag: BlockTag = 'latest', wordsEachSide = WORDS_EACH_SIDE): Promise<(V3Read | undefined)[]> {
  const chunks: V3PoolRef[][] = [];
  for (let i = 0; i < pools.length; i += CHUNK) chunks.push(pools.slice(i, i + CHUNK));
  const parts = await Promise.all(chunks.map((chunk) => readChunk(provider, chunk, token, blockTag, wordsEachSide)));
  return parts.flat();
}

async function readChunk(provider: JsonRpcProvider, pools: V3PoolRef[], token: string, blockTag: BlockTag, wordsEachSide: number): Promise<(V3Read | undefined)[]> {
  if (pools.length === 0) return [];
  // constructor(address[], address, uint256): offset, token, words, then the array.
  const args = hex32(0x60n) + hex32(token) + hex32(BigInt(wordsEachSide)) + hex32(BigInt(pools.length)) + pools.map((p) => hex32(p.address)).join('');
  let answer: string;
  try {
    answer = await deployless(provider, ownArtifact('V3Reader').bytecode + args, blockTag);
  } catch (error) {
    // Too many initialized ticks for one answer, or a pool whose code burns all the gas it is given (the reader then
    // runs out): read each half on its own (one pool alone that fails is unreadable).
    if (!/revert|too large|execution|gas/i.test((error as Error).message ?? '')) throw error;
    if (pools.length === 1) return [undefined];
    const half = pools.length >> 1;
    const [a, b] = await Promise.all([readChunk(provider, pools.slice(0, half), token, blockTag, wordsEachSide), readChunk(provider, pools.slice(half), token, blockTag, wordsEachSide)]);
    return [...a, ...b];
  }
  return decodeV3States(answer, pools, wordsEachSide);
}

function decodeV3States(answer: string, pools: readonly V3PoolRef[], wordsEachSide: number): (V3Read | undefined)[] {
  let at = 2;
  const word = () => {
    if (at + 64 > answer.length) throw new Error(`V3 reader answered ${(answer.length - 2) / 2} bytes, too few for ${pools.length} pools`);
    at += 64;
    return answer.slice(at - 64, at);
  };
  return pools.map((pool) => {
    const header = word();
    // Bit 255 says the pool answered.
    if (header.charCodeAt(0) < 0x38) return undefined;
    const sqrtPriceX96 = BigInt(`0x${header.slice(24)}`);
    const tick = Number(BigInt.asIntN(24, BigInt(`0x${header.slice(18, 24)}`)));
    const liquidity = BigInt(`0x${word()}`);
    const balance = BigInt(`0x${word()}`);
    const spacing = pool.tickSpacing;
    const compressed = Math.floor(tick / spacing);
    const wordLow = (compressed >> 8) - wordsEachSide;
    const bitmaps = Array.from({ length: 2 * wordsEachSide + 1 }, () => word());
    const ticks: V3State['ticks'] = [];
    bitmaps.forEach((hex, k) => {
      // Bit 0 is the last hex digit's lowest bit; walk the digits from the right.
      for (let d = 63; d >= 0; d--) {
        const nibble = hex.charCodeAt(d);
        if (nibble === 0x30) continue;
        const value = nibble <= 0x39 ? nibble - 0x30 : nibble - 0x57;
        for (let b = 0; b < 4; b++) if (value & (1 << b)) ticks.push({ tick: ((wordLow + k) * 256 + (63 - d) * 4 + b) * spacing, liquidityNet: 0n });
      }
    });
    for (const t of ticks) t.liquidityNet = BigInt.asIntN(256, BigInt(`0x${word()}`));
    return { sqrtPriceX96, tick, liquidity, balance, fee: pool.fee, tickSpacing: spacing, wordLow, wordHigh: wordLow + 2 * wordsEachSide, ticks };
  });
}
