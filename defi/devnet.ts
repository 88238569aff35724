import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Contract, ContractFactory, JsonRpcProvider, NonceManager, type Signer } from 'ethers';
import { ownArtifact, officialArtifact } from './contracts/index.js';
import type { PoolsFile } from './pools-file.js';

/**
 * A local chain with real DEXes: Anvil from npm on 127.0.0.1, WETH9 and a few tokens, Uniswap V2 factories and
 * routers from the official @uniswap artifacts, a Balancer V2 vault from Balancer's artifact, and pools seeded with
 * chosen reserves — plus the pools file that describes them. Used by `fleetbot devnet`, the tests and the bench.
 * Side effects: spawns Anvil (`startAnvil`) and sends transactions from Anvil's unlocked dev account.
 */

export interface AnvilProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startAnvil({ port }: { port: number }): Promise<AnvilProcess> {
  const require = createRequire(import.meta.url);
  const bin = path.join(path.dirname(require.resolve('@foundry-rs/anvil/package.json')), '..', '..', '.bin', 'anvil');
  const args = ['--host', '127.0.0.1', '--port', String(port), '--gas-limit', '1000000000', '--silent'];
  const child: ChildProcess = spawn(bin, args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' }).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`anvil did not start on 127.0.0.1:${port}${child.exitCode !== null ? ` (exit ${child.exitCode})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface DevnetPoolSpec {
  dex: string;
  /** Symbols of the two tokens. */
  pair: [string, string];
  /** Reserves in the smallest units, in the order of `pair`. */
  reserves: [bigint, bigint];
}

export interface DevnetSpec {
  tokens: { symbol: string; decimals: number }[];
  dexes: string[];
  pools: DevnetPoolSpec[];
  /** WETH lent by a Balancer vault; none deployed when unset. */
  balancerWeth?: bigint;
}

export interface Devnet {
  provider: JsonRpcProvider;
  deployer: Signer;
  tokens: Record<string, string>;
  dexes: { name: string; factory: string; router: string }[];
  pools: Record<string, string>;
  vault?: string;
  poolsFile: PoolsFile;
}

const ERC20 = ['function transfer(address,uint256) returns (bool)', 'function approve(address,uint256) returns (bool)', 'function balanceOf(address) view returns (uint256)'];
const PAIR = ['function mint(address) returns (uint256)', 'function sync()', 'function getReserves() view returns (uint112,uint112,uint32)', 'function token0() view returns (address)'];
const FACTORY = ['function createPair(address,address) returns (address)', 'function getPair(address,address) view returns (address)'];

export const poolKey = (dex: string, a: string, b: string) => `${dex}:${[a, b].sort().join('/')}`;

/**
 * Deploys the spec. Transactions go out without waiting for each other (the nonce manager numbers them) and are
 * awaited together, so even thousands of pools take seconds on Anvil.
 */
export async function deployDevnet(url: string, spec: DevnetSpec): Promise<Devnet> {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  const [account] = (await provider.send('eth_accounts', [])) as string[];
  const deployer = new NonceManager(await provider.getSigner(account));
  const deploy = async (artifact: { abi: unknown[]; bytecode: string }, ...args: unknown[]) => {
    const contract = await new ContractFactory(artifact.abi as never, artifact.bytecode, deployer).deploy(...args);
    await contract.waitForDeployment();
    return contract.getAddress();
  };

  const weth = await deploy(officialArtifact('WETH9'));
  const tokens: Record<string, string> = { WETH: weth };
  const decimals: Record<string, number> = { WETH: 18 };
  const wanted = new Map<string, bigint>();
  for (const p of spec.pools) p.pair.forEach((s, i) => wanted.set(s, (wanted.get(s) ?? 0n) + p.reserves[i]!));
  const tokenAddresses = await inBatches(
    spec.tokens.map((t) => () => deploy(ownArtifact('DevToken'), t.symbol, t.symbol, t.decimals, (wanted.get(t.symbol) ?? 0n) * 2n + 10n ** 30n)),
  );
  spec.tokens.forEach((t, i) => ((tokens[t.symbol] = tokenAddresses[i]!), (decimals[t.symbol] = t.decimals)));
  const wethNeeded = (wanted.get('WETH') ?? 0n) + (spec.balancerWeth ?? 0n);
  if (wethNeeded > 0n) {
    await provider.send('anvil_setBalance', [account, `0x${(wethNeeded + 10n ** 24n).toString(16)}`]);
    // WETH9's fallback predates today's gas rules; deposit() is what works.
    await (await new Contract(weth, ['function deposit() payable'], deployer).deposit!({ value: wethNeeded })).wait();
  }

  const dexes = await Promise.all(
    spec.dexes.map(async (name) => {
      const factory = await deploy(officialArtifact('UniswapV2Factory'), account);
      const router = await deploy(officialArtifact('UniswapV2Router02'), factory, weth);
      return { name, factory, router };
    }),
  );

  // Pairs, then reserves: transfer both tokens to the pair and mint, as the router's addLiquidity does.
  const dexByName = new Map(dexes.map((d) => [d.name, d]));
  await inBatches(
    spec.pools.map((p) => async () => {
      const dex = dexByName.get(p.dex);
      if (!dex) throw new Error(`pool on unknown DEX ${p.dex}`);
      const [a, b] = p.pair.map((s) => tokens[s] ?? throwUnknown(s));
      return (await new Contract(dex.factory, FACTORY, deployer).createPair!(a, b)).wait();
    }),
  );
  const pools: Record<string, string> = {};
  await inBatches(
    spec.pools.map((p) => async () => {
      const dex = dexByName.get(p.dex)!;
      const [a, b] = p.pair.map((s) => tokens[s]!);
      const pair = (await new Contract(dex.factory, FACTORY, provider).getPair!(a, b)) as string;
      pools[poolKey(p.dex, p.pair[0], p.pair[1])] = pair;
      const sends = await Promise.all(p.pair.map((s, i) => new Contract(tokens[s]!, ERC20, deployer).transfer!(pair, p.reserves[i]!)));
      await Promise.all(sends.map((t) => t.wait()));
      await (await new Contract(pair, PAIR, deployer).mint!(account)).wait();
    }),
  );

  let vault: string | undefined;
  if (spec.balancerWeth) {
    // A real Balancer V2 vault; the flash loan checks only the vault's token balance, so a transfer funds it.
    vault = await deploy(officialArtifact('BalancerVault'), account, weth, 0, 0);
    await (await new Contract(weth, ERC20, deployer).transfer!(vault, spec.balancerWeth)).wait();
  }

  const symbols = Object.keys(tokens);
  const pairs = [...new Set(spec.pools.map((p) => [...p.pair].sort().join('/')))].map((k) => k.split('/') as [string, string]);
  return {
    provider,
    deployer,
    tokens,
    dexes,
    pools,
    vault,
    poolsFile: {
      dexes: dexes.map((d) => ({ name: d.name, factory: d.factory, router: d.router, feeBps: 30, discover: [] })),
      tokens: symbols.map((s) => ({ symbol: s, address: tokens[s]!, decimals: decimals[s]! })),
      pairs,
      baseToken: 'WETH',
      flashLoans: { uniswapV2: true, ...(vault ? { balancerVault: vault } : {}) },
      triangles: true,
    },
  };
}

/** Runs the tasks at most `size` at a time: thousands of parallel requests make Anvil reset connections. */
async function inBatches<T>(tasks: (() => Promise<T>)[], size = 64): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < tasks.length; i += size) out.push(...(await Promise.all(tasks.slice(i, i + size).map((task) => task()))));
  return out;
}

function throwUnknown(symbol: string): never {
  throw new Error(`pool names unknown token ${symbol}`);
}

/** Deploys fleetbot's FlashArbitrage, owned by `owner`. */
export async function deployFlashArbitrage(owner: Signer): Promise<string> {
  const { abi, bytecode } = ownArtifact('FlashArbitrage');
  const contract = await new ContractFactory(abi as never, bytecode, owner).deploy();
  await contract.waitForDeployment();
  return contract.getAddress();
}
