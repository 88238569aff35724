import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { formatEther, formatUnits, getAddress, isAddress, type JsonRpcProvider } from 'ethers';
import { connect, describeRpcError } from '../../defi/chain.js';
import { z } from 'zod';
import { guarded, readOnly, toolError, toolResult, type ServerDefinition } from './index.js';

/**
 * The `blockchain` MCP server: chain id, block number, gas price and balances over RPC_URL with ethers.
 * Side effects: JSON-RPC calls to RPC_URL.
 */

const NO_RPC = 'no RPC endpoint configured: set RPC_URL in fleetbot\'s environment (fleet.yaml passes it to the blockchain member)';

export default {
  name: 'blockchain',
  description: 'Chain id, block number, gas price and balances over RPC_URL',
  async open(config) {
    let provider: Promise<JsonRpcProvider> | undefined;
    const rpc = async () => {
      if (!config.rpcUrl) throw new Error(NO_RPC);
      provider ??= connect(config.rpcUrl);
      try {
        return await provider;
      } catch (error) {
        provider = undefined;
        throw new Error(error instanceof Error && error.message.startsWith('RPC ') ? error.message : describeRpcError(error, config.rpcUrl));
      }
    };
    // Errors of a connected provider name the endpoint without its path (where API keys live).
    const call = async <T>(body: (p: JsonRpcProvider) => Promise<T>): Promise<T> => {
      const p = await rpc();
      try {
        return await body(p);
      } catch (error) {
        throw new Error(describeRpcError(error, config.rpcUrl!));
      }
    };

    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-blockchain', version: '0.1.0' });
        server.registerTool(
          'chain_id',
          { description: 'The chain id of the configured RPC endpoint', annotations: readOnly },
          () => guarded(async () => {
            const network = await call((p) => p.getNetwork());
            return toolResult(`chain id ${network.chainId}`, { chainId: Number(network.chainId) });
          }),
        );
        server.registerTool(
          'rpc_health',
          {
            description: 'Whether the configured RPC endpoint answers (fleet health checks call this); fine when none is configured',
            annotations: readOnly,
          },
          () => guarded(async () => {
            if (!config.rpcUrl) return toolResult('no RPC endpoint configured: nothing to check', { configured: false });
            const block = await call((p) => p.getBlockNumber());
            return toolResult(`RPC answers: block ${block}`, { configured: true, blockNumber: block });
          }),
        );
        server.registerTool(
          'block_number',
          { description: 'The latest block number', annotations: readOnly },
          () => guarded(async () => {
            const block = await call((p) => p.getBlockNumber());
            return toolResult(`latest block ${block}`, { blockNumber: block });
          }),
        );
        server.registerTool(
          'gas_price',
          { description: 'The current gas price in gwei (and wei)', annotations: readOnly },
          () => guarded(async () => {
            const fee = await call((p) => p.getFeeData());
            const wei = fee.gasPrice ?? fee.maxFeePerGas ?? 0n;
            return toolResult(`gas price ${formatUnits(wei, 'gwei')} gwei`, { wei: wei.toString(), gwei: formatUnits(wei, 'gwei') });
          }),
        );
        server.registerTool(
          'balance',
          {
            description: 'The native-token balance of an address, in ether and wei',
            inputSchema: { address: z.string().describe('A 0x-prefixed 20-byte address') },
            annotations: readOnly,
          },
          ({ address }) => guarded(async () => {
            if (!isAddress(address)) return toolError(`not an address: "${String(address).slice(0, 64)}" (expected 0x followed by 40 hex digits)`);
            const checksummed = getAddress(address);
            const wei = await call((p) => p.getBalance(checksummed));
            return toolResult(`${checksummed} holds ${formatEther(wei)} ETH`, { address: checksummed, wei: wei.toString(), ether: formatEther(wei) });
          }),
        );
        return server;
      },
      async close() {
        (await provider?.catch(() => undefined))?.destroy();
      },
    };
  },
} satisfies ServerDefinition;
