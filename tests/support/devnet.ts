import { Contract, type Signer } from 'ethers';
import { deployDevnet, startAnvil, type DevnetSpec } from '../../defi/devnet.js';
import { freePort } from '../../mcp-fleet/ports.js';

/** One Anvil per test file with the real Uniswap V2 (and Balancer) contracts deployed by fleetbot's devnet code. */
export async function startDevnet(spec: DevnetSpec) {
  const anvil = await startAnvil({ port: await freePort() });
  try {
    const net = await deployDevnet(anvil.url, spec);
    return {
      ...net,
      url: anvil.url,
      async stop() {
        net.provider.destroy();
        await anvil.stop();
      },
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

export const ROUTER = [
  'function swapExactTokensForTokens(uint256,uint256,address[],address,uint256) returns (uint256[])',
  'function getAmountsOut(uint256,address[]) view returns (uint256[])',
];
export const ERC20 = ['function approve(address,uint256) returns (bool)', 'function balanceOf(address) view returns (uint256)', 'function transfer(address,uint256) returns (bool)'];

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
