import { Wallet, type JsonRpcProvider } from 'ethers';
import { rpc } from './chain.js';
import type { Engine } from './engine.js';
import type { Opportunity } from './opportunity.js';
import { encodeRun } from './simulate.js';

/**
 * Runs an opportunity on chain: quoted again at the latest block, risk-checked, simulated by the deployed contract,
 * then sent as one transaction signed with the configured key — the only key fleetbot ever signs with.
 * Side effects: sends transactions from the executor's account.
 */

export interface ExecutorSettings {
  /** The executor's private key (never logged or shown). */
  key: string;
  /** FlashArbitrage deployed by the executor's account. */
  contract: string;
}

export type Execution =
  | { ok: true; opportunity: Opportunity; txHash: string; block: number; profit: bigint; gasUsed: bigint }
  | { ok: false; refused: string; opportunity?: Opportunity };

export function executorAddress(key: string): string {
  return new Wallet(key).address;
}

export async function execute(engine: Engine, settings: ExecutorSettings, id: string): Promise<Execution> {
  const quoted = await engine.requote(id);
  if (!quoted.ok) return { ok: false, refused: quoted.reason };
  const opportunity = quoted.opportunity;
  if (!opportunity.risk.ok) return { ok: false, refused: `risk check failed: ${opportunity.risk.reasons.join('; ')}`, opportunity };
  const cycle = engine.cycle(id)!;
  const plan = {
    cycle,
    amountIn: BigInt(opportunity.amountIn),
    loan: { source: opportunity.flashLoan, lender: opportunity.lender, fee: BigInt(opportunity.flashLoanFee) },
    // The transaction reverts unless it still earns its gas and the configured minimum.
    minProfit: BigInt(opportunity.gasCost) + engine.limits.minProfit,
  };
  const wallet = new Wallet(settings.key, engine.provider as JsonRpcProvider);
  return rpc(engine.url, async () => {
    const request = { to: settings.contract, data: encodeRun(plan), gasPrice: BigInt(opportunity.gasPrice) };
    // The node's estimate against the pending block is the last simulation; its margin covers refunds and the
    // 63/64 rule that the gas measured inside the contract cannot see.
    const gasLimit = ((await wallet.estimateGas(request)) * 12n) / 10n;
    const tx = await wallet.sendTransaction({ ...request, gasLimit });
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) return { ok: false as const, refused: `transaction ${tx.hash} reverted`, opportunity };
    const log = receipt.logs.find((l) => l.address.toLowerCase() === opportunity.baseToken.address.toLowerCase() && l.topics[2]?.endsWith(wallet.address.slice(2).toLowerCase()));
    return { ok: true as const, opportunity, txHash: tx.hash, block: receipt.blockNumber, profit: log ? BigInt(log.data) : 0n, gasUsed: receipt.gasUsed };
  });
}
