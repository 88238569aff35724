import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Wallet } from 'ethers';
import type { Config } from '../config/index.js';
import { deployDevnet, deployFlashArbitrage, startAnvil, type DevnetSpec } from '../defi/devnet.js';
import type { Stack } from './stack.js';

/**
 * `fleetbot devnet`: Anvil on 127.0.0.1, two Uniswap V2 DEXes and Uniswap V3 with price gaps, a Balancer vault, the pools file —
 * and the configuration that points fleetbot at them.
 * Side effects: runs Anvil (stopped with the stack), writes <FLEETBOT_HOME>/devnet/pools.json.
 */

const BLOCK_SECONDS = 3;
const e18 = 10n ** 18n;
const usdc = (n: bigint) => n * 10n ** 6n;

/** Gaps worth trading (WETH/USDC, WETH/LINK, V2 and V3), one too small to cover fees (WETH/DAI), and a triangle through USDC/DAI. */
const DEVNET: DevnetSpec = {
  tokens: [
    { symbol: 'USDC', decimals: 6 },
    { symbol: 'DAI', decimals: 18 },
    { symbol: 'LINK', decimals: 18 },
  ],
  dexes: ['uniswap', 'sushiswap'],
  pools: [
    { dex: 'uniswap', pair: ['WETH', 'USDC'], reserves: [1000n * e18, usdc(3_000_000n)] },
    { dex: 'sushiswap', pair: ['WETH', 'USDC'], reserves: [800n * e18, usdc(2_460_000n)] },
    { dex: 'uniswap', pair: ['WETH', 'DAI'], reserves: [1000n * e18, 3_000_000n * e18] },
    { dex: 'sushiswap', pair: ['WETH', 'DAI'], reserves: [1000n * e18, 3_001_000n * e18] },
    { dex: 'uniswap', pair: ['WETH', 'LINK'], reserves: [500n * e18, 100_000n * e18] },
    { dex: 'sushiswap', pair: ['WETH', 'LINK'], reserves: [300n * e18, 63_000n * e18] },
    { dex: 'uniswap', pair: ['USDC', 'DAI'], reserves: [usdc(2_000_000n), 2_030_000n * e18] },
  ],
  // Uniswap V3 at two fee tiers, with a wide range and narrower ones around the price (several initialized ticks).
  v3: {
    dexes: ['uniswap-v3'],
    pools: [
      { dex: 'uniswap-v3', pair: ['WETH', 'USDC'], fee: 500, price: [e18, usdc(3_040n)], positions: [{ below: 6000, above: 6000, liquidity: 10n ** 16n }, { below: 200, above: 200, liquidity: 5n * 10n ** 16n }, { below: 60, above: 60, liquidity: 5n * 10n ** 16n }] },
      { dex: 'uniswap-v3', pair: ['WETH', 'USDC'], fee: 3000, price: [e18, usdc(2_950n)], positions: [{ below: 6000, above: 6000, liquidity: 10n ** 16n }, { below: 300, above: 300, liquidity: 3n * 10n ** 16n }] },
      { dex: 'uniswap-v3', pair: ['WETH', 'LINK'], fee: 3000, price: [e18, 205n * e18], positions: [{ below: 6000, above: 6000, liquidity: 10n ** 21n }, { below: 120, above: 120, liquidity: 5n * 10n ** 21n }] },
    ],
  },
  balancerWeth: 5000n * e18,
};

export async function startDevnetSession(stack: Stack, base: Config, options: { port: number; execute?: boolean }): Promise<{ config: Config; banner: string }> {
  const anvil = await startAnvil({ port: options.port });
  stack.defer('anvil', () => anvil.stop());
  const net = await deployDevnet(anvil.url, DEVNET);
  const dir = path.join(base.home, 'devnet');
  mkdirSync(dir, { recursive: true });
  const poolsFile = path.join(dir, 'pools.json');
  writeFileSync(poolsFile, JSON.stringify(net.poolsFile, null, 2) + '\n');

  let executor: Config['defi']['executor'];
  if (options.execute) {
    // A fresh account for this devnet only: its key lives in this process and is never printed.
    const wallet = Wallet.createRandom().connect(net.provider);
    await net.provider.send('anvil_setBalance', [wallet.address, `0x${(100n * e18).toString(16)}`]);
    executor = { key: wallet.privateKey, contract: await deployFlashArbitrage(wallet) };
  }
  // Deployed with automine (each transaction its own block, at once); from now on a block every few seconds,
  // so the scanner has new blocks to watch as on a real chain.
  await net.provider.send('evm_setIntervalMining', [BLOCK_SECONDS]);
  net.provider.destroy();

  const vars = { ...base.vars, RPC_URL: anvil.url, POOLS_FILE: poolsFile };
  const config: Config = { ...base, rpcUrl: anvil.url, vars, defi: { ...base.defi, rpcUrl: anvil.url, poolsFile, executor } };
  const banner =
    `devnet: Anvil at ${anvil.url}, DEXes ${[...DEVNET.dexes, ...(DEVNET.v3?.dexes ?? [])].join(', ')}, ${DEVNET.pools.length + (DEVNET.v3?.pools.length ?? 0)} pools, pools file ${path.relative(process.cwd(), poolsFile)}` +
    `${executor ? `, executor contract ${executor.contract}` : ' (execution off: add --execute)'}\n`;
  return { config, banner };
}
