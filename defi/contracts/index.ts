import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CompiledContract } from './compile.js';
import { SOURCE_DIR } from './compile.js';

/** Contract artifacts: fleetbot's own (compiled from this folder, committed) and the official ones it deploys on devnets. */

export type OwnContract = 'FlashArbitrage' | 'ReserveReader' | 'WordReader' | 'V3Reader' | 'DevToken' | 'DevV3Liquidity';

let own: Record<string, CompiledContract> | undefined;

export function ownArtifact(name: OwnContract): CompiledContract {
  own ??= JSON.parse(readFileSync(path.join(SOURCE_DIR, 'artifacts.json'), 'utf8')) as Record<string, CompiledContract>;
  const found = own[name];
  if (!found) throw new Error(`defi/contracts/artifacts.json has no ${name}: run \`npm run contracts\``);
  return found;
}

const require = createRequire(import.meta.url);

/** The official build artifacts shipped in the npm packages (Uniswap's bytecode has no 0x prefix). */
const OFFICIAL = {
  UniswapV2Factory: '@uniswap/v2-core/build/UniswapV2Factory.json',
  UniswapV2Pair: '@uniswap/v2-core/build/UniswapV2Pair.json',
  UniswapV2Router02: '@uniswap/v2-periphery/build/UniswapV2Router02.json',
  WETH9: '@uniswap/v2-periphery/build/WETH9.json',
  UniswapV3Factory: '@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json',
  UniswapV3Pool: '@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json',
  SwapRouter: '@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json',
  QuoterV2: '@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json',
  BalancerVault: '@balancer-labs/v2-deployments/dist/tasks/20210418-vault/artifact/Vault.json',
} as const;

export function officialArtifact(name: keyof typeof OFFICIAL): { abi: unknown[]; bytecode: string } {
  let raw: { abi: unknown[]; bytecode: string };
  try {
    raw = require(OFFICIAL[name]) as { abi: unknown[]; bytecode: string };
  } catch {
    // The Balancer artifacts come with a development dependency (their package pulls in hardhat).
    throw new Error(`${OFFICIAL[name].split('/dist')[0]} is not installed: devnets need the development dependencies (npm install)`);
  }
  return { abi: raw.abi, bytecode: raw.bytecode.startsWith('0x') ? raw.bytecode : `0x${raw.bytecode}` };
}
