import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ContractFactory, Interface, JsonRpcProvider, type Signer } from 'ethers';
import { ownArtifact, officialArtifact } from './contracts/index.js';
import { sqrt } from './amm-math.js';
import { DevSender } from './dev-sender.js';
import { getTickAtSqrtRatio } from './v3-math.js';
import type { PoolsFile } from './pools-file.js';

/**
 * A local chain with real DEXes: Anvil from npm on 127.0.0.1, WETH9 and a few tokens, Uniswap V2 factories and
 * routers from the official @uniswap artifacts, Uniswap V3 factories, SwapRouters and QuoterV2s from the official
 * @uniswap/v3-core and v3-periphery artifacts, a Balancer V2 vault from Balancer's artifact, and pools seeded with
 * chosen reserves or V3 positions — plus the pools file that describes them. Used by `fleetbot devnet`, the tests and the bench.
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

/** A Uniswap V3 pool: its price, as if it held `price[0]` of pair[0] against `price[1]` of pair[1], and its positions. */
export interface DevnetV3PoolSpec {
  dex: string;
  pair: [string, string];
  /** Hundredths of a bip: 500, 3000 or 10000 (the tiers a new factory enables). */
  fee: number;
  price: [bigint, bigint];
  /** Liquidity `liquidity` from `below` ticks under the starting tick to `above` ticks over it (rounded to the spacing). */
  positions: { below: number; above: number; liquidity: bigint }[];
}

export interface DevnetSpec {
  tokens: { symbol: string; decimals: number }[];
  dexes: string[];
  pools: DevnetPoolSpec[];
  /** Uniswap V3 DEXes (factory, SwapRouter, QuoterV2 from the official artifacts) and their pools. */
  v3?: { dexes: string[]; pools: DevnetV3PoolSpec[] };
  /** WETH lent by a Balancer vault; none deployed when unset. */
  balancerWeth?: bigint;
}

export interface Devnet {
  provider: JsonRpcProvider;
  deployer: Signer;
  tokens: Record<string, string>;
  dexes: { name: string; factory: string; router: string }[];
  v3Dexes: { name: string; factory: string; router: string; quoter: string }[];
  /** V2 pairs by poolKey(dex, a, b); V3 pools by v3PoolKey(dex, fee, a, b). */
  pools: Record<string, string>;
  vault?: string;
  poolsFile: PoolsFile;
}

const ERC20 = new Interface(['function transfer(address,uint256) returns (bool)', 'function deposit() payable']);
const PAIR = new Interface(['function mint(address) returns (uint256)']);
const FACTORY = new Interface(['function createPair(address,address) returns (address)', 'event PairCreated(address indexed token0, address indexed token1, address pair, uint256)']);

/** Gas limits, set rather than estimated (a transaction may depend on one not mined yet); unused gas is not paid. */
const GAS = { weth: 2_000_000n, token: 1_500_000n, factory: 6_000_000n, router: 8_000_000n, vault: 30_000_000n, call: 100_000n, createPair: 4_000_000n, mint: 300_000n, v3factory: 7_000_000n, createPool: 6_000_000n, initialize: 200_000n, position: 600_000n };

export const poolKey = (dex: string, a: string, b: string) => `${dex}:${[a, b].sort().join('/')}`;
export const v3PoolKey = (dex: string, fee: number, a: string, b: string) => poolKey(`${dex}@${fee}`, a, b);

const V3_FACTORY = new Interface(['function createPool(address,address,uint24) returns (address)', 'event PoolCreated(address indexed token0, address indexed token1, uint24 indexed fee, int24 tickSpacing, address pool)']);
const V3_POOL = new Interface(['function initialize(uint160)']);
const V3_LIQUIDITY = new Interface(['function mint(address,int24,int24,uint128)']);
const V3_SPACING: Record<number, number> = { 500: 10, 3000: 60, 10000: 200 };
/** What the V3 liquidity helper holds to pay for positions: far more than any devnet position needs. */
const V3_FUNDS = 10n ** 24n;

/** sqrt(price)·2^96 of token1 in token0, for a pool said to hold `price[0]` of pair[0] against `price[1]` of pair[1]. */
function sqrtPriceX96(pair: [string, string], price: [bigint, bigint], tokens: Record<string, string>): bigint {
  const [amount0, amount1] = tokens[pair[0]]!.toLowerCase() < tokens[pair[1]]!.toLowerCase() ? price : [price[1], price[0]];
  return sqrt((amount1 << 192n) / amount0);
}

/**
 * Deploys the spec from Anvil's first dev account: contracts first, then every pair through its factory, then the
 * reserves — both tokens sent to the pair and `mint`, as the router's addLiquidity does. Two rounds of transactions
 * with nonces numbered here and mined in blocks of a few hundred: thousands of pools take seconds, not minutes.
 */
export async function deployDevnet(url: string, spec: DevnetSpec): Promise<Devnet> {
  const dexNames = new Set(spec.dexes);
  const symbols = new Set(['WETH', ...spec.tokens.map((t) => t.symbol)]);
  const v3 = spec.v3 ?? { dexes: [], pools: [] };
  for (const p of [...spec.pools, ...v3.pools]) {
    if (!dexNames.has(p.dex) && !v3.dexes.includes(p.dex)) throw new Error(`pool on unknown DEX ${p.dex}`);
    for (const s of p.pair) if (!symbols.has(s)) throw new Error(`pool names unknown token ${s}`);
  }
  for (const p of v3.pools) if (!V3_SPACING[p.fee]) throw new Error(`V3 pool fee ${p.fee}: 500, 3000 or 10000`);
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  const [account] = (await provider.send('eth_accounts', [])) as string[];
  const wanted = new Map<string, bigint>();
  for (const p of spec.pools) p.pair.forEach((s, i) => wanted.set(s, (wanted.get(s) ?? 0n) + p.reserves[i]!));
  const wethNeeded = (wanted.get('WETH') ?? 0n) + (spec.balancerWeth ?? 0n) + (v3.pools.length ? V3_FUNDS : 0n);
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
    const v3Dexes: Devnet['v3Dexes'] = [];
    const [v3Factory, v3Router, v3Quoter] = v3.dexes.length ? [factoryOf(officialArtifact('UniswapV3Factory')), factoryOf(officialArtifact('SwapRouter')), factoryOf(officialArtifact('QuoterV2'))] : [];
    for (const name of v3.dexes) {
      const factory = await deploy(`${name} V3 factory`, GAS.v3factory, v3Factory!);
      v3Dexes.push({ name, factory, router: await deploy(`${name} SwapRouter`, GAS.router, v3Router!, factory, weth), quoter: await deploy(`${name} QuoterV2`, GAS.router, v3Quoter!, factory, weth) });
    }
    const liquidity = v3.pools.length ? await deploy('V3 liquidity helper', GAS.token, factoryOf(ownArtifact('DevV3Liquidity'))) : undefined;
    // A real Balancer V2 vault; the flash loan checks only the vault's token balance, so a transfer funds it.
    const vault = spec.balancerWeth ? await deploy('Balancer vault', GAS.vault, factoryOf(officialArtifact('BalancerVault')), account, weth, 0, 0) : undefined;
    // WETH9's fallback predates today's gas rules; deposit() is what works.
    if (wethNeeded > 0n) call('WETH deposit', weth, ERC20.encodeFunctionData('deposit'), GAS.call, wethNeeded);
    if (vault) call('WETH to the vault', weth, ERC20.encodeFunctionData('transfer', [vault, spec.balancerWeth]));
    if (liquidity) {
      for (const symbol of new Set(v3.pools.flatMap((p) => p.pair))) call(`${symbol} to the V3 liquidity helper`, tokens[symbol]!, ERC20.encodeFunctionData('transfer', [liquidity, symbol === 'WETH' ? V3_FUNDS : 10n ** 29n]));
    }
    const v3ByName = new Map(v3Dexes.map((d) => [d.name, d]));
    const createdV3 = v3.pools.map((p) => {
      const label = `${p.dex} V3 pool ${p.pair.join('/')} ${p.fee}`;
      call(label, v3ByName.get(p.dex)!.factory, V3_FACTORY.encodeFunctionData('createPool', [tokens[p.pair[0]], tokens[p.pair[1]], p.fee]), GAS.createPool);
      return label;
    });
    const dexByName = new Map(dexes.map((d) => [d.name, d]));
    const created = spec.pools.map((p) => {
      const label = `${p.dex} pair ${p.pair.join('/')}`;
      call(label, dexByName.get(p.dex)!.factory, FACTORY.encodeFunctionData('createPair', p.pair.map((s) => tokens[s])), GAS.createPair);
      return label;
    });
    const pairOf = new Map<string, string>();
    const pairCreated = FACTORY.getEvent('PairCreated')!.topicHash;
    const poolCreated = V3_FACTORY.getEvent('PoolCreated')!.topicHash;
    for (const mined of await sender.flush()) {
      const log = mined.logs.find((l) => l.topics[0] === pairCreated);
      if (log) pairOf.set(mined.label, FACTORY.parseLog(log)!.args.pair as string);
      const v3Log = mined.logs.find((l) => l.topics[0] === poolCreated);
      if (v3Log) pairOf.set(mined.label, V3_FACTORY.parseLog(v3Log)!.args.pool as string);
    }

    const pools: Record<string, string> = {};
    spec.pools.forEach((p, i) => {
      const pair = pairOf.get(created[i]!)!;
      pools[poolKey(p.dex, p.pair[0], p.pair[1])] = pair;
      p.pair.forEach((s, k) => call(`${s} into ${created[i]}`, tokens[s]!, ERC20.encodeFunctionData('transfer', [pair, p.reserves[k]])));
      call(`mint ${created[i]}`, pair, PAIR.encodeFunctionData('mint', [account]), GAS.mint);
    });
    v3.pools.forEach((p, i) => {
      const pool = pairOf.get(createdV3[i]!)!;
      pools[v3PoolKey(p.dex, p.fee, p.pair[0], p.pair[1])] = pool;
      const price = sqrtPriceX96(p.pair, p.price, tokens);
      call(`initialize ${createdV3[i]}`, pool, V3_POOL.encodeFunctionData('initialize', [price]), GAS.initialize);
      const spacing = V3_SPACING[p.fee]!;
      const tick = getTickAtSqrtRatio(price);
      for (const position of p.positions) {
        const lower = Math.floor((tick - position.below) / spacing) * spacing;
        const upper = Math.ceil((tick + position.above) / spacing) * spacing;
        call(`position ${lower}..${upper} in ${createdV3[i]}`, liquidity!, V3_LIQUIDITY.encodeFunctionData('mint', [pool, lower, upper, position.liquidity]), GAS.position);
      }
    });
    await sender.flush();
    await sender.close();

    const pairs = [...new Set([...spec.pools, ...v3.pools].map((p) => [...p.pair].sort().join('/')))].map((k) => k.split('/') as [string, string]);
    return {
      provider,
      deployer: await provider.getSigner(account),
      tokens,
      dexes,
      v3Dexes,
      pools,
      vault,
      poolsFile: {
        dexes: [
          ...dexes.map((d) => ({ kind: 'uniswap-v2' as const, name: d.name, factory: d.factory, router: d.router, feeBps: 30, discover: [] })),
          ...v3Dexes.map((d) => ({ kind: 'uniswap-v3' as const, name: d.name, factory: d.factory, fees: [...new Set([...v3.pools.filter((p) => p.dex === d.name).map((p) => p.fee), 500, 3000, 10000])].sort((a, b) => a - b) })),
        ],
        tokens: Object.keys(tokens).map((s) => ({ symbol: s, address: tokens[s]!, decimals: decimals[s]! })),
        pairs,
        baseToken: 'WETH',
        flashLoans: { uniswapV2: true, uniswapV3: true, ...(vault ? { balancerVault: vault } : {}) },
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
