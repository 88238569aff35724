import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { FetchRequest, formatEther, formatUnits, getAddress, isAddress, JsonRpcProvider, Network } from 'ethers';
import { z } from 'zod';
import { guarded, toolError, toolResult, type ServerDefinition } from './index.js';

/**
 * The `blockchain` MCP server: chain id, block number, gas price and balances over RPC_URL with ethers.
 * Side effects: JSON-RPC calls to RPC_URL.
 */

const RPC_TIMEOUT_MS = 5000;
const NO_RPC = 'no RPC endpoint configured: set RPC_URL in fleetbot\'s environment (fleet.yaml passes it to the blockchain member)';

/**
 * A provider pinned to the chain the endpoint reports. Without a static network ethers retries network detection
 * forever when the node is down — and prints to stdout, which would corrupt the stdio MCP stream.
 */
async function connect(url: string): Promise<JsonRpcProvider> {
  const request = () => {
    const r = new FetchRequest(url);
    r.timeout = RPC_TIMEOUT_MS;
    return r;
  };
  const probe = request();
  probe.body = { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] };
  const response = await probe.send();
  if (!response.ok()) throw new Error(`RPC answered HTTP ${response.statusCode}`);
  const chainId = (response.bodyJson as { result?: string }).result;
  if (!chainId) throw new Error('RPC did not return a chain id');
  return new JsonRpcProvider(request(), Network.from(BigInt(chainId)), { staticNetwork: true, batchMaxCount: 1 });
}

function describeRpcError(error: unknown, url: string): string {
  const message = (error as { shortMessage?: string; message?: string }).shortMessage ?? (error as Error).message ?? String(error);
  return `RPC ${new URL(url).host} failed: ${message}`;
}

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
        throw new Error(describeRpcError(error, config.rpcUrl));
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
    const readOnly = { readOnlyHint: true, openWorldHint: true };

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
