import { Interface, type JsonRpcProvider } from 'ethers';
import { ownArtifact } from './contracts/index.js';
import { zeroForOne, type Cycle } from './cycles.js';
import { SOURCE_KIND, type FlashLoan } from './flash-loans.js';
import type { BlockTag } from './batch-read.js';

/**
 * The flash arbitrage as the chain would run it: `FlashArbitrage.run` through eth_call against a given block.
 * Without a deployed contract, its runtime code is placed at a scratch address by a state override (slot 0, the
 * owner, names the caller) — supported by geth, Anvil, Erigon and Nethermind.
 * Side effects: eth_call to the provider's endpoint.
 */

export const arbitrageInterface = new Interface(ownArtifact('FlashArbitrage').abi as never);

/** Where simulations place the contract when none is deployed, and who calls it there. */
const SCRATCH = '0x00000000000000000000000000000000f1a5b07e';
const SCRATCH_CALLER = '0x00000000000000000000000000000000f1a5ca11';

export interface ArbitragePlan {
  cycle: Cycle;
  amountIn: bigint;
  loan: FlashLoan;
  minProfit: bigint;
}

const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

export function encodeRun({ cycle, amountIn, loan, minProfit }: ArbitragePlan): string {
  const hops = cycle.pools.map((pool, i) =>
    pool.dex.kind === 'uniswap-v3'
      ? { pool: pool.address, kind: 1, zeroForOne: zeroForOne(cycle, i), fee: pool.fee!, factory: pool.dex.factory }
      : { pool: pool.address, kind: 0, zeroForOne: zeroForOne(cycle, i), fee: pool.dex.feeBps, factory: ZERO_ADDRESS },
  );
  return arbitrageInterface.encodeFunctionData('run', [SOURCE_KIND[loan.source], loan.lender, cycle.tokens[0]!.address, amountIn, hops, minProfit]);
}

/** Gas a transaction pays before its code runs: 21,000 and its calldata (EIP-2028 prices). */
export function intrinsicGas(data: string): bigint {
  let gas = 21_000n;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === '00' ? 4n : 16n;
  return gas;
}

export type Simulation = { ok: true; profit: bigint; gasUsed: bigint } | { ok: false; reason: string };

/** Where the contract runs: a deployed one (called by its owner), or the scratch placement. */
export interface SimulationTarget {
  contract?: string;
  from?: string;
}

export async function simulate(provider: JsonRpcProvider, plan: ArbitragePlan, target: SimulationTarget, blockTag: BlockTag): Promise<Simulation> {
  const data = encodeRun(plan);
  const tag = typeof blockTag === 'number' ? `0x${blockTag.toString(16)}` : blockTag;
  const deployed = target.contract !== undefined && target.from !== undefined;
  const from = deployed ? target.from! : SCRATCH_CALLER;
  const call = { from, to: deployed ? target.contract : SCRATCH, data };
  const params: unknown[] = [call, tag];
  if (!deployed) params.push({ [SCRATCH]: { code: ownArtifact('FlashArbitrage').deployedBytecode, stateDiff: { [`0x${'0'.repeat(64)}`]: `0x${from.slice(2).padStart(64, '0')}` } } });
  try {
    const answer = (await provider.send('eth_call', params)) as string;
    const [profit, gasUsed] = arbitrageInterface.decodeFunctionResult('run', answer) as unknown as [bigint, bigint];
    return { ok: true, profit, gasUsed: gasUsed + intrinsicGas(data) };
  } catch (error) {
    const reason = revertReason(error);
    if (reason === undefined) throw error;
    return { ok: false, reason };
  }
}

/** The revert reason of a failed eth_call, or undefined when the failure was not a revert (the node is down…). */
export function revertReason(error: unknown): string | undefined {
  const e = error as { data?: unknown; info?: { error?: { data?: unknown; message?: string } }; error?: { data?: unknown; message?: string } };
  const data = [e.data, e.info?.error?.data, e.error?.data].find((d): d is string => typeof d === 'string' && d.startsWith('0x'));
  const message = e.info?.error?.message ?? e.error?.message;
  if (data === undefined && !/revert/i.test(message ?? '')) return undefined;
  if (!data || data === '0x') return message ?? 'reverted without a reason';
  try {
    const parsed = arbitrageInterface.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map(String).join(', ')})`;
  } catch {
    // not one of ours
  }
  if (data.startsWith('0x08c379a0')) {
    try {
      return String(Interface.from(['function Error(string)']).decodeFunctionData('Error', data)[0]);
    } catch {
      // malformed
    }
  }
  return `reverted (${data.slice(0, 10)})`;
}
