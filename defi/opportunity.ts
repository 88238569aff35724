import { z } from 'zod';

/**
 * An arbitrage opportunity as the engine reports it: JSON-safe (amounts are decimal strings in the base token's
 * smallest unit), confirmed by a simulation. The same shape goes to `fleetbot scan --json`, the findings channel,
 * Redis and the MCP servers.
 */

const Amount = z.string().regex(/^-?\d+$/, 'an integer in the smallest unit');

export const OpportunitySchema = z.object({
  id: z.string().describe('Stable id of the cycle (its pools in order); /trade takes it'),
  block: z.number().int().describe('Block the reserves were read at and the simulation ran against'),
  at: z.number().describe('When it was found (epoch ms)'),
  pair: z.tuple([z.string(), z.string()]).describe('The traded pair: base and token, or the middle pair of a three-pool cycle'),
  path: z.array(z.string()).describe('Tokens along the cycle, base first and last'),
  dexes: z.array(z.string()).describe('The DEX of each pool along the cycle'),
  pools: z.array(z.string()).describe('Pool addresses along the cycle'),
  buyDex: z.string().describe('Where the base token buys the token'),
  sellDex: z.string().describe('Where the token is sold back for the base token'),
  baseToken: z.object({ symbol: z.string(), address: z.string(), decimals: z.number().int() }),
  amountIn: Amount.describe('Optimal input (closed form), base token smallest units'),
  amountOut: Amount.describe('What the last pool pays back'),
  profit: Amount.describe('What the swaps yield: amountOut − amountIn, before the loan fee and gas'),
  flashLoan: z.enum(['uniswap-v2', 'balancer-v2', 'aave-v3', 'uniswap-v3']).describe('The flash-loan source that makes it cheapest'),
  lender: z.string().describe('The vault, pool or pair that lends'),
  flashLoanFee: Amount,
  gasUnits: Amount.describe('Gas of the whole transaction, measured by the simulation'),
  gasPrice: Amount.describe('Wei per gas at the time of the scan'),
  gasCost: Amount.describe('gasUnits × gasPrice in wei, counted 1:1 in the base token (the wrapped native token)'),
  netProfit: Amount.describe('profit − flashLoanFee − gasCost'),
  simulated: z.literal(true).describe('Confirmed by an eth_call of the whole flash arbitrage'),
  risk: z.object({ ok: z.boolean(), reasons: z.array(z.string()) }).describe('The risk check against the configured limits'),
  runnersUp: z
    .array(z.object({ id: z.string(), dexes: z.array(z.string()), pools: z.array(z.string()), amountIn: Amount, netProfit: Amount }))
    .optional()
    .describe('Other confirmed cycles of the same pair this block, best first: they compete for the same liquidity, so only this one is posted'),
});
export type Opportunity = z.infer<typeof OpportunitySchema>;
