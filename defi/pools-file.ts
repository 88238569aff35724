import { readFileSync } from 'node:fs';
import { getAddress, isAddress } from 'ethers';
import { z } from 'zod';

/**
 * The pools file: which DEXes to watch (factory, router, fee), which tokens, which pairs — by symbol or address —
 * or which factory index ranges to discover, the base token cycles start and end in, and the flash-loan sources.
 * `fleetbot devnet` writes one; the scanner agent, `fleetbot scan` and the DeFi MCP servers read it.
 */

const AddressSchema = z
  .string()
  .refine((v) => isAddress(v), 'an address: 0x followed by 40 hex digits')
  .transform((v) => getAddress(v.toLowerCase()));

const DexName = z.string().regex(/^[A-Za-z0-9][\w-]{0,31}$/, 'letters, digits, - and _ (at most 32)').describe('Short name shown to users, e.g. uniswap');

const V2DexSchema = z
  .object({
    kind: z.literal('uniswap-v2').default('uniswap-v2').describe('Uniswap-V2-style pairs (the default)'),
    name: DexName,
    factory: AddressSchema.describe('The Uniswap-V2-style factory'),
    router: AddressSchema.optional().describe('Its router (shown to users; execution swaps on the pairs directly)'),
    feeBps: z.number().int().min(0).max(1000).default(30).describe('Swap fee in basis points (30 = 0.3 %)'),
    discover: z
      .array(z.tuple([z.number().int().min(0), z.number().int().min(0)]))
      .default([])
      .describe('Factory index ranges [from, to) whose pairs are watched too'),
  })
  .strict();

const V3DexSchema = z
  .object({
    kind: z.literal('uniswap-v3').describe('Uniswap V3 concentrated-liquidity pools'),
    name: DexName,
    factory: AddressSchema.describe('The Uniswap V3 factory'),
    fees: z
      .array(z.number().int().min(1).max(999_999))
      .min(1)
      .default([500, 3000, 10000])
      .describe('Fee tiers watched, in hundredths of a bip (3000 = 0.3 %): the pool of each listed pair at each tier'),
  })
  .strict();

export const DexSchema = z.discriminatedUnion('kind', [V2DexSchema, V3DexSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? `unknown kind ${JSON.stringify((issue.input as { kind?: unknown } | undefined)?.kind ?? null).slice(0, 40)}: "uniswap-v2" (the default) or "uniswap-v3"` : undefined),
});

export const TokenSchema = z
  .object({
    symbol: z.string().regex(/^[A-Za-z0-9.$_-]{1,16}$/, 'a ticker such as WETH (at most 16 characters)').describe('Ticker used in pairs and commands'),
    address: AddressSchema.describe('The ERC-20 contract'),
    decimals: z.number().int().min(0).max(36).describe('The token\'s decimals'),
  })
  .strict();

export const PoolsFileSchema = z
  .object({
    dexes: z.array(DexSchema).min(1, 'name at least one DEX').describe('The DEXes to compare'),
    tokens: z.array(TokenSchema).default([]).describe('Known tokens; pairs may name them by symbol'),
    pairs: z.array(z.tuple([z.string(), z.string()])).default([]).describe('Pairs to watch on every DEX, by symbol or address'),
    baseToken: z.string().describe('The token every cycle starts and ends in (symbol or address), e.g. WETH'),
    flashLoans: z
      .object({
        balancerVault: AddressSchema.optional().describe('A Balancer V2 vault (fee read from its fee collector)'),
        aavePool: AddressSchema.optional().describe('An Aave V3 pool (premium read with FLASHLOAN_PREMIUM_TOTAL)'),
        uniswapV2: z.boolean().default(true).describe('Borrow from a watched V2 pair outside the cycle (0.3 %)'),
        uniswapV3: z.boolean().default(true).describe('Borrow from a watched V3 pool outside the cycle (fee = the pool\'s fee)'),
      })
      .strict()
      .default({ uniswapV2: true, uniswapV3: true }),
    triangles: z.boolean().default(true).describe('Also evaluate three-pool cycles base → X → Y → base'),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.dexes.forEach((dex, i) => {
      if (seen.has(dex.name)) ctx.addIssue({ code: 'custom', path: ['dexes', i, 'name'], message: `duplicate DEX name "${dex.name}"` });
      seen.add(dex.name);
    });
    const symbols = new Set<string>();
    file.tokens.forEach((token, i) => {
      const key = token.symbol.toUpperCase();
      if (symbols.has(key)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'symbol'], message: `duplicate token symbol "${token.symbol}"` });
      symbols.add(key);
    });
    if (file.pairs.length === 0 && file.dexes.every((d) => d.kind === 'uniswap-v3' || d.discover.length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['pairs'], message: 'list pairs, or give a DEX a discover range' });
    }
  });

export type PoolsFile = z.output<typeof PoolsFileSchema>;
export type DexConfig = z.output<typeof DexSchema>;
export type V2DexConfig = z.output<typeof V2DexSchema>;
export type TokenConfig = z.output<typeof TokenSchema>;

export class PoolsFileError extends Error {}

/** Parses a pools file; every problem is reported at once, with its JSON path. */
export function parsePoolsFile(text: string, shown: string): PoolsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PoolsFileError(`${shown}: not JSON (${(error as Error).message})`);
  }
  const result = PoolsFileSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(top level)'}: ${i.message}`);
  throw new PoolsFileError(`${shown}: ${problems.join('; ')}`);
}

export function readPoolsFile(file: string): PoolsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PoolsFileError(`cannot read the pools file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parsePoolsFile(text, file);
}
