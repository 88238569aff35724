import { formatEther, formatUnits, type JsonRpcProvider } from 'ethers';
import { z } from 'zod';
import { connect, describeRpcError } from '../../defi/chain.js';
import { defineServer, tool, toolResult, withAddress } from './server.js';

/**
 * The `blockchain` MCP server: chain id, block number, gas price and balances over RPC_URL with ethers.
 * Side effects: JSON-RPC calls to RPC_URL.
 */

const NO_RPC = 'no RPC endpoint configured: set RPC_URL in fleetbot\'s environment (fleet.yaml passes it to the blockchain member)';

/** The provider, connected on first use and again after a failure; errors name the endpoint without its path (where API keys live). */
function rpcEndpoint(rpcUrl: string | undefined) {
  let provider: Promise<JsonRpcProvider> | undefined;
  const rpc = async () => {
    if (!rpcUrl) throw new Error(NO_RPC);
    provider ??= connect(rpcUrl);
    try {
      return await provider;
    } catch (error) {
      provider = undefined;
      throw new Error(error instanceof Error && error.message.startsWith('RPC ') ? error.message : describeRpcError(error, rpcUrl));
    }
  };
  return {
    configured: rpcUrl !== undefined,
    async call<T>(body: (p: JsonRpcProvider) => Promise<T>): Promise<T> {
      const p = await rpc();
      try {
        return await body(p);
      } catch (error) {
        throw new Error(describeRpcError(error, rpcUrl!));
      }
    },
    async close() {
      (await provider?.catch(() => undefined))?.destroy();
    },
  };
}

export default defineServer({
  name: 'blockchain',
  description: 'Chain id, block number, gas price and balances over RPC_URL',
  openWorld: true,
  open: (config) => rpcEndpoint(config.rpcUrl),
  close: (endpoint) => endpoint.close(),
  tools: ({ configured, call }) => ({
    chain_id: tool({
      description: 'The chain id of the configured RPC endpoint',
      async run() {
        const network = await call((p) => p.getNetwork());
        return toolResult(`chain id ${network.chainId}`, { chainId: Number(network.chainId) });
      },
    }),
    rpc_health: tool({
      description: 'Whether the configured RPC endpoint answers (fleet health checks call this); fine when none is configured',
      async run() {
        if (!configured) return toolResult('no RPC endpoint configured: nothing to check', { configured: false });
        const block = await call((p) => p.getBlockNumber());
        return toolResult(`RPC answers: block ${block}`, { configured: true, blockNumber: block });
      },
    }),
    block_number: tool({
      description: 'The latest block number',
      async run() {
        const block = await call((p) => p.getBlockNumber());
        return toolResult(`latest block ${block}`, { blockNumber: block });
      },
    }),
    gas_price: tool({
      description: 'The current gas price in gwei (and wei)',
      async run() {
        const fee = await call((p) => p.getFeeData());
        const wei = fee.gasPrice ?? fee.maxFeePerGas ?? 0n;
        return toolResult(`gas price ${formatUnits(wei, 'gwei')} gwei`, { wei: wei.toString(), gwei: formatUnits(wei, 'gwei') });
      },
    }),
    balance: tool({
      description: 'The native-token balance of an address, in ether and wei',
      input: { address: z.string().describe('A 0x-prefixed 20-byte address') },
      run: ({ address }) =>
        withAddress(address, async (holder) => {
          const wei = await call((p) => p.getBalance(holder));
          return toolResult(`${holder} holds ${formatEther(wei)} ETH`, { address: holder, wei: wei.toString(), ether: formatEther(wei) });
        }),
    }),
  }),
});
