import { AbiCoder, type JsonRpcProvider } from 'ethers';
import { callRaw } from './chain.js';
import { ownArtifact } from './contracts/index.js';

/**
 * Batched reads through deployless readers (defi/contracts/BatchReaders.sol): the reader's init code and its
 * arguments go in an `eth_call` with no `to`, and the constructor's return value is the answer. Works on any node
 * with no contract deployed. Answers are fixed-width words, sliced by hand: ethers' ABI decoder was the bottleneck.
 * Side effects: eth_call to the provider's endpoint.
 */

export type BlockTag = number | 'latest';

export interface Reserves {
  reserve0: bigint;
  reserve1: bigint;
}

// A call's init code is capped at 49,152 bytes (EIP-3860) and what a constructor returns at 24,576 (EIP-170);
// 700 pairs is 22.4 kB each way, 250 word calls ~40 kB in. Chunks run concurrently.
const RESERVE_CHUNK = 700;
const WORD_CHUNK = 250;

const hex32 = (address: string) => address.slice(2).toLowerCase().padStart(64, '0');

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs a reader's init code (and arguments) in an eth_call with no `to`; its constructor's return value is the answer. */
export async function deployless(provider: JsonRpcProvider, data: string, blockTag: BlockTag): Promise<string> {
  const tag = typeof blockTag === 'number' ? `0x${blockTag.toString(16)}` : blockTag;
  return (await callRaw(provider, 'eth_call', [{ data }, tag])) as string;
}

/** Reserves of every pair, in order; undefined for a pair that does not answer getReserves (no code, reverts). */
export async function readReserves(provider: JsonRpcProvider, pairs: string[], blockTag: BlockTag = 'latest'): Promise<(Reserves | undefined)[]> {
  const code = ownArtifact('ReserveReader').bytecode;
  const parts = await Promise.all(
    chunks(pairs, RESERVE_CHUNK).map(async (chunk) => {
      // constructor(address[]): offset, length, then the addresses — encoded by hand, it is only concatenation.
      const args = hex32('0x20') + chunk.length.toString(16).padStart(64, '0') + chunk.map(hex32).join('');
      const answer = await deployless(provider, code + args, blockTag);
      return decodeReserves(answer, chunk.length);
    }),
  );
  return parts.flat();
}

export function decodeReserves(answer: string, count: number): (Reserves | undefined)[] {
  if (answer.length !== 2 + count * 64) throw new Error(`reserve reader answered ${(answer.length - 2) / 2} bytes for ${count} pairs`);
  const out: (Reserves | undefined)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = 2 + i * 64;
    // Bit 255 says the pair answered; then 112 bits of reserve0 (28 hex digits) and 112 of reserve1.
    out[i] = answer.charCodeAt(at) >= 0x38 ? { reserve0: BigInt(`0x${answer.slice(at + 8, at + 36)}`), reserve1: BigInt(`0x${answer.slice(at + 36, at + 64)}`) } : undefined;
  }
  return out;
}

/**
 * Word calls in chunks whose init code stays under EIP-3860's 49,152 bytes: each call costs its address word, its
 * offset and length words and its padded data (getPool's three arguments take more than getPair's two).
 */
function chunksBySize(calls: WordCall[]): WordCall[][] {
  const budget = 45_000;
  const out: WordCall[][] = [];
  let current: WordCall[] = [];
  let size = 0;
  for (const call of calls) {
    const cost = 96 + Math.ceil((call.data.length - 2) / 64) * 32;
    if (current.length > 0 && (size + cost > budget || current.length >= WORD_CHUNK)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(call);
    size += cost;
  }
  if (current.length) out.push(current);
  return out;
}

export interface WordCall {
  target: string;
  data: string;
}

/** The first word each call returns (0n when it fails), in order. */
export async function readWords(provider: JsonRpcProvider, calls: WordCall[], blockTag: BlockTag = 'latest'): Promise<bigint[]> {
  const code = ownArtifact('WordReader').bytecode;
  const coder = AbiCoder.defaultAbiCoder();
  const parts = await Promise.all(
    chunksBySize(calls).map(async (chunk) => {
      const args = coder.encode(['address[]', 'bytes[]'], [chunk.map((c) => c.target), chunk.map((c) => c.data)]).slice(2);
      const answer = await deployless(provider, code + args, blockTag);
      if (answer.length !== 2 + chunk.length * 64) throw new Error(`word reader answered ${(answer.length - 2) / 2} bytes for ${chunk.length} calls`);
      return chunk.map((_, i) => BigInt(`0x${answer.slice(2 + i * 64, 2 + (i + 1) * 64)}`));
    }),
  );
  return parts.flat();
}

/** Calldata for a selector and 32-byte arguments (addresses or integers). */
export function calldata(selector: string, ...args: (string | bigint | number)[]): string {
  return selector + args.map((a) => (typeof a === 'string' ? hex32(a) : BigInt(a).toString(16).padStart(64, '0'))).join('');
}

export const SELECTOR = {
  getPair: '0xe6a43905',
  getPool: '0x1698ee82',
  allPairs: '0x1e3dd18b',
  allPairsLength: '0x574f2ba3',
  token0: '0x0dfe1681',
  token1: '0xd21220a7',
  decimals: '0x313ce567',
  balanceOf: '0x70a08231',
} as const;

export const wordToAddress = (word: bigint) => `0x${word.toString(16).padStart(40, '0')}`;
