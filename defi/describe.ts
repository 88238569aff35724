import { formatUnits } from 'ethers';
import type { Opportunity } from './opportunity.js';

/** Opportunities and amounts as text people read — the same words in the console, Discord and MCP answers. */

/** An amount in a token's smallest units, shown with at most `digits` decimals (trailing zeros dropped). */
export function formatAmount(amount: bigint | string, decimals: number, digits = 6): string {
  const text = formatUnits(BigInt(amount), decimals);
  const [whole, fraction = ''] = text.split('.');
  const cut = fraction.slice(0, digits).replace(/0+$/, '');
  return cut ? `${whole}.${cut}` : whole!;
}

/** `WETH→TKA→WETH buy sushi, sell uni: in 1.0594 WETH, profit 0.0229, net 0.0226 via balancer-v2 — simulated ✓` */
export function describeOpportunity(o: Opportunity): string {
  const { symbol, decimals } = o.baseToken;
  const amount = (v: string) => formatAmount(v, decimals);
  return (
    `${o.path.join('→')} buy ${o.buyDex}, sell ${o.sellDex}: in ${amount(o.amountIn)} ${symbol}, ` +
    `profit ${amount(o.profit)}, net ${amount(o.netProfit)} ${symbol} via ${o.flashLoan} — simulated ✓ [${o.id}]`
  );
}
