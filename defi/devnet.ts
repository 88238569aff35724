import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ContractFactory, Interface, JsonRpcProvider, type Signer } from 'ethers';
import { ownArtifact, officialArtifact } from './contracts/index.js';
import { DevSender } from './dev-sender.js';
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

const ERC20 = new Interface(['function transfer(address,uint256) returns (bool)', 'function deposit() payable']);
const PAIR = new Interface(['function mint(address) returns (uint256)']);
const FACTORY = new Interface(['function createPair(address,address) returns (address)', 'event PairCreated(address indexed token0, address indexed token1, address pair, uint256)']);

/** Gas limits, set rather than estimated (a transaction may depend on one not mined yet); unused gas is not paid. */
const GAS = { weth: 2_000_000n, token: 1_500_000n, factory: 6_000_000n, router: 8_000_000n, vault: 30_000_000n, call: 100_000n, createPair: 4_000_000n, mint: 300_000n };

export const poolKey = (dex: string, a: string, b: string) => `${dex}:${[a, b].sort().join('/')}`;

/**
 * Deploys the spec from Anvil's first dev account: contracts first, then every pair through its factory, then the
 * reserves — both tokens sent to the pair and `mint`, as the router's addLiquidity does. Two rounds of transactions
 * with nonces numbered here and mined in blocks of a few hundred: thousands of pools take seconds, not minutes.
 */
export async function deployDevnet(url: string, spec: DevnetSpec): Promise<Devnet> {
  const dexNames = new Set(spec.dexes);
  const symbols = new Set(['WETH', ...spec.tokens.map((t) => t.symbol)]);
  for (const p of spec.pools) {
    if (!dexNames.has(p.dex)) throw new Error(`pool on unknown DEX ${p.dex}`);
    for (const s of p.pair) if (!symbols.has(s)) throw new Error(`pool names unknown token ${s}`);
  }
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  const [account] = (await provider.send('eth_accounts', [])) as string[];
  const wanted = new Map<string, bigint>();
  for (const p of spec.pools) p.pair.forEach((s, i) => wanted.set(s, (wanted.get(s) ?? 0n) + p.reserves[i]!));
  const wethNeeded = (wanted.get('WETH') ?? 0n) + (spec.balancerWeth ?? 0n);
  if (wethNeeded > 0n) await provider.send('anvil_setBalance', [account, `0x${(wethNeeded + 10n ** 24n).toString(16)}`]);

  const sender = await DevSender.open(url, account!);
  try {
    const deploy = async (label: string, gas: bigint, factory: ContractFactory, ...args: unknown[]) => sender.queue({ label, gas, data: (await factory.getDeployTransaction(...args)).data })!;
    // One factory per contract: building its ABI interface costs more than encoding a deployment.
    const factoryOf = ({ abi, bytecode }: { abi: unknown[]; bytecode: string }) => new ContractFactory(abi as never, bytecode);
    const devToken = factoryOf(ownArtifact('DevToken'));
    const [uniswapFactory, uniswapRouter] = [factoryOf(officialArtifact('UniswapV2Factory')), factoryOf(officialArtifact('UniswapV2Router02'))];
    const call = (label: string, to: string, data: string, gas = GAS.call, value?: bigint) => sender.queue({ label, to, data, gas, value });

    const weth = await deploy('WETH9', GAS.weth, factoryOf(officialArtifact('WETH9')));
    const tokens: Record<string, string> = { WETH: weth };
    const decimals: Record<string, number> = { WETH: 18 };
    for (const t of spec.tokens) {
      tokens[t.symbol] = await deploy(`token ${t.symbol}`, GAS.token, devToken, t.symbol, t.symbol, t.decimals, (wanted.get(t.symbol) ?? 0n) * 2n + 10n ** 30n);
      decimals[t.symbol] = t.decimals;
    }
    const dexes: Devnet['dexes'] = [];
    for (const name of spec.dexes) {
      const factory = await deploy(`${name} factory`, GAS.factory, uniswapFactory, account);
      dexes.push({ name, factory, router: await deploy(`${name} router`, GAS.router, uniswapRouter, factory, weth) });
    }
    // A real Balancer V2 vault; the flash loan checks only the vault's token balance, so a transfer funds it.
    const vault = spec.balancerWeth ? await deploy('Balancer vault', GAS.vault, factoryOf(officialArtifact('BalancerVault')), account, weth, 0, 0) : undefined;
    // WETH9's fallback predates today's gas rules; deposit() is what works.
    if (wethNeeded > 0n) call('WETH deposit', weth, ERC20.encodeFunctionData('deposit'), GAS.call, wethNeeded);
    if (vault) call('WETH to the vault', weth, ERC20.encodeFunctionData('transfer', [vault, spec.balancerWeth]));
    const dexByName = new Map(dexes.map((d) => [d.name, d]));
    const created = spec.pools.map((p) => {
      const label = `${p.dex} pair ${p.pair.join('/')}`;
      call(label, dexByName.get(p.dex)!.factory, FACTORY.encodeFunctionData('createPair', p.pair.map((s) => tokens[s])), GAS.createPair);
      return label;
    });
    const pairOf = new Map<string, string>();
    const pairCreated = FACTORY.getEvent('PairCreated')!.topicHash;
    for (const mined of await sender.flush()) {
      const log = mined.logs.find((l) => l.topics[0] === pairCreated);
      if (log) pairOf.set(mined.label, FACTORY.parseLog(log)!.args.pair as string);
    }

    const pools: Record<string, string> = {};
    spec.pools.forEach((p, i) => {
      const pair = pairOf.get(created[i]!)!;
      pools[poolKey(p.dex, p.pair[0], p.pair[1])] = pair;
      p.pair.forEach((s, k) => call(`${s} into ${created[i]}`, tokens[s]!, ERC20.encodeFunctionData('transfer', [pair, p.reserves[k]])));
      call(`mint ${created[i]}`, pair, PAIR.encodeFunctionData('mint', [account]), GAS.mint);
    });
    await sender.flush();
    await sender.close();

    const pairs = [...new Set(spec.pools.map((p) => [...p.pair].sort().join('/')))].map((k) => k.split('/') as [string, string]);
    return {
      provider,
      deployer: await provider.getSigner(account),
      tokens,
      dexes,
      pools,
      vault,
      poolsFile: {
        dexes: dexes.map((d) => ({ name: d.name, factory: d.factory, router: d.router, feeBps: 30, discover: [] })),
        tokens: Object.keys(tokens).map((s) => ({ symbol: s, address: tokens[s]!, decimals: decimals[s]! })),
        pairs,
        baseToken: 'WETH',
        flashLoans: { uniswapV2: true, ...(vault ? { balancerVault: vault } : {}) },
        triangles: true,
      },
    };
  } catch (error) {
    // What failed matters more than whether automine could be switched back on.
    await sender.close().catch(() => undefined);
    provider.destroy();
    throw error;
  }
}

/** Deploys fleetbot's FlashArbitrage, owned by `owner`. */
export async function deployFlashArbitrage(owner: Signer): Promise<string> {
  const { abi, bytecode } = ownArtifact('FlashArbitrage');
  const contract = await new ContractFactory(abi as never, bytecode, owner).deploy();
  await contract.waitForDeployment();
  return contract.getAddress();
}
