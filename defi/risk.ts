import { parseUnits } from 'ethers';
import type { RiskSettings } from '../config/index.js';
import type { PoolRegistry } from './registry.js';

/**
 * Risk checks an opportunity must pass before it runs: a minimum net profit, a maximum share of any pool's
 * liquidity it trades against, a maximum gas price, and per-token caps on the notional it moves. Pure functions.
 */

/** Limits in the smallest units of each token. */
export interface RiskLimits {
  minProfit: bigint;
  maxPoolShareBps: bigint;
  maxGasPrice: bigint;
  /** Lower-case token address → cap. */
  tokenCaps: Map<string, bigint>;
}

export function resolveLimits(settings: RiskSettings, registry: PoolRegistry): RiskLimits {
  const tokenCaps = new Map<string, bigint>();
  for (const [symbol, cap] of Object.entries(settings.tokenCaps)) {
    const token = registry.token(symbol);
    tokenCaps.set(token.address.toLowerCase(), parseUnits(cap, token.decimals));
  }
  return {
    minProfit: parseUnits(settings.minProfit, registry.base.decimals),
    maxPoolShareBps: BigInt(Math.round(settings.maxPoolSharePercent * 100)),
    maxGasPrice: parseUnits(String(settings.maxGasPriceGwei), 'gwei'),
    tokenCaps,
  };
}

/** What the check needs to know of a trade. */
export interface RiskSubject {
  netProfit: bigint;
  gasPrice: bigint;
  hops: { token: string; symbol: string; amountIn: bigint; reserveIn: bigint; pool: string }[];
  baseSymbol: string;
  baseDecimals: number;
}

export interface RiskVerdict {
  ok: boolean;
  reasons: string[];
}

const percent = (bps: bigint) => `${(Number(bps) / 100).toFixed(2)} %`;

export function checkRisk(subject: RiskSubject, limits: RiskLimits): RiskVerdict {
  const reasons: string[] = [];
  if (subject.netProfit < limits.minProfit) reasons.push(`net profit ${subject.netProfit} is below the minimum ${limits.minProfit} (smallest ${subject.baseSymbol} units)`);
  if (subject.gasPrice > limits.maxGasPrice) reasons.push(`gas price ${subject.gasPrice} wei is above the maximum ${limits.maxGasPrice} wei`);
  for (const hop of subject.hops) {
    const share = hop.reserveIn === 0n ? BPS_ALL : (hop.amountIn * 10_000n) / hop.reserveIn;
    if (share > limits.maxPoolShareBps) reasons.push(`${hop.symbol} in at ${hop.pool} is ${percent(share)} of its reserve (limit ${percent(limits.maxPoolShareBps)})`);
    const cap = limits.tokenCaps.get(hop.token.toLowerCase());
    if (cap !== undefined && hop.amountIn > cap) reasons.push(`${hop.amountIn} ${hop.symbol} (smallest units) is over the cap of ${cap}`);
  }
  return { ok: reasons.length === 0, reasons };
}

const BPS_ALL = 10_000n;
