import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Contract, type Signer } from 'ethers';
import { deployDevnet, poolKey, startAnvil, type DevnetSpec } from '../../defi/devnet.js';
import type { PoolsFile } from '../../defi/pools-file.js';
import { freePort } from '../../mcp-fleet/ports.js';

/**
 * One Anvil per test file with the real Uniswap V2 (and Balancer) contracts deployed by fleetbot's devnet code, and a
 * scratch folder for the pools files the test hands to fleetbot; `stop()` ends Anvil and removes the folder.
 */
export async function startDevnet(spec: DevnetSpec) {
  const anvil = await startAnvil({ port: await freePort() });
  try {
    const net = await deployDevnet(anvil.url, spec);
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-devnet-'));
    let written = 0;
    return {
      ...net,
      url: anvil.url,
      /** A pools file as a user passes it (POOLS_FILE, --pools): this devnet's, unless another is given. */
      writePoolsFile(file: PoolsFile = net.poolsFile): string {
        const at = path.join(dir, `pools-${++written}.json`);
        writeFileSync(at, JSON.stringify(file, null, 2));
        return at;
      },
      /** Runs `body`, then puts the chain back as it was. */
      async snapshot<T>(body: () => Promise<T>): Promise<T> {
        const id = (await net.provider.send('evm_snapshot', [])) as string;
        try {
          return await body();
        } finally {
          await net.provider.send('evm_revert', [id]);
        }
      },
      /** The reserves of `token`'s WETH pool on `dex`, now. */
      async reserves(dex: string, token: string): Promise<{ weth: bigint; token: bigint }> {
        const [r0, r1] = (await new Contract(net.pools[poolKey(dex, 'WETH', token)]!, PAIR, net.provider).getReserves!()) as [bigint, bigint];
        return net.tokens.WETH!.toLowerCase() < net.tokens[token]!.toLowerCase() ? { weth: r0, token: r1 } : { weth: r1, token: r0 };
      },
      async stop() {
        net.provider.destroy();
        await anvil.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

const e18 = 10n ** 18n;

/** Two DEXes with gaps of every kind the engine must tell apart; the DeFi tests share it. */
export const GAPS: DevnetSpec = {
  tokens: ['TKA', 'TKB', 'TKC', 'TKD', 'TKE', 'TKF'].map((symbol) => ({ symbol, decimals: 18 })),
  dexes: ['uni', 'sushi'],
  pools: [
    // 5 % gaps, one each way round.
    { dex: 'uni', pair: ['WETH', 'TKA'], reserves: [100n * e18, 200_000n * e18] },
    { dex: 'sushi', pair: ['WETH', 'TKA'], reserves: [100n * e18, 210_000n * e18] },
    { dex: 'uni', pair: ['WETH', 'TKB'], reserves: [40n * e18, 8_400n * e18] },
    { dex: 'sushi', pair: ['WETH', 'TKB'], reserves: [50n * e18, 10_000n * e18] },
    // 0.1 %: below the two swap fees.
    { dex: 'uni', pair: ['WETH', 'TKC'], reserves: [1000n * e18, 1000n * e18] },
    { dex: 'sushi', pair: ['WETH', 'TKC'], reserves: [1000n * e18, 1001n * e18] },
    // 5 %, but so shallow that the profit is smaller than the gas.
    { dex: 'uni', pair: ['WETH', 'TKD'], reserves: [10n ** 15n, 2n * 10n ** 15n] },
    { dex: 'sushi', pair: ['WETH', 'TKD'], reserves: [10n ** 15n, 21n * 10n ** 14n] },
    // No gap at all.
    { dex: 'uni', pair: ['WETH', 'TKE'], reserves: [300n * e18, 300n * e18] },
    { dex: 'sushi', pair: ['WETH', 'TKE'], reserves: [300n * e18, 300n * e18] },
  ],
  balancerWeth: 10_000n * e18,
};

export const ROUTER = [
  'function swapExactTokensForTokens(uint256,uint256,address[],address,uint256) returns (uint256[])',
  'function getAmountsOut(uint256,address[]) view returns (uint256[])',
];
export const ERC20 = ['function approve(address,uint256) returns (bool)', 'function balanceOf(address) view returns (uint256)', 'function transfer(address,uint256) returns (bool)'];
export const PAIR = ['function getReserves() view returns (uint112,uint112,uint32)', 'function token0() view returns (address)', 'function sync()'];

/** Runs `amountIn` of tokens[0] through the routers hop by hop (as a trader with capital would) and returns what came back. */
export async function tradeThroughRouters(signer: Signer, hops: { router: string; from: string; to: string }[], amountIn: bigint): Promise<bigint> {
  const me = await signer.getAddress();
  let amount = amountIn;
  for (const hop of hops) {
    await (await new Contract(hop.from, ERC20, signer).approve!(hop.router, amount)).wait();
    const before = (await new Contract(hop.to, ERC20, signer).balanceOf!(me)) as bigint;
    await (await new Contract(hop.router, ROUTER, signer).swapExactTokensForTokens!(amount, 0n, [hop.from, hop.to], me, 2n ** 40n)).wait();
    amount = ((await new Contract(hop.to, ERC20, signer).balanceOf!(me)) as bigint) - before;
  }
  return amount;
}
