import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { formatEther, getAddress, isAddress } from 'ethers';
import { z } from 'zod';
import { defiRuntime } from '../../agents/defi-runtime.js';
import { calldata, readWords, SELECTOR } from '../../defi/batch-read.js';
import { formatAmount } from '../../defi/describe.js';
import { guarded, readOnly, toolError, toolResult, type ServerDefinition } from './index.js';

/** The `portfolio` MCP server: an account's native and token balances across the watched tokens. Side effects: JSON-RPC reads. */

export default {
  name: 'portfolio',
  description: 'Balances of an account in every watched token',
  async open(config, log) {
    const defi = defiRuntime(config.defi, log);
    return {
      build() {
        const server = new McpServer({ name: 'fleetbot-portfolio', version: '0.1.0' });
        server.registerTool(
          'balances',
          {
            description: 'The native balance and every watched token balance of an address (one batched read)',
            inputSchema: { address: z.string().describe('A 0x-prefixed 20-byte address, e.g. the executor account') },
            annotations: readOnly,
          },
          ({ address }) => guarded(async () => {
            if (!isAddress(address)) return toolError(`not an address: "${String(address).slice(0, 64)}" (expected 0x followed by 40 hex digits)`);
            const owner = getAddress(address);
            const e = await defi.engine();
            const tokens = e.registry.tokens;
            const [native, words] = await Promise.all([e.provider.getBalance(owner), readWords(e.provider, tokens.map((t) => ({ target: t.address, data: calldata(SELECTOR.balanceOf, owner) })))]);
            const held = tokens.map((t, i) => ({ symbol: t.symbol, address: t.address, balance: formatAmount(words[i]!, t.decimals) }));
            const text = [`${owner}: ${formatEther(native)} native`, ...held.filter((h) => h.balance !== '0').map((h) => `${h.balance} ${h.symbol}`)];
            return toolResult(text.join('\n'), { address: owner, native: formatEther(native), tokens: held });
          }),
        );
        return server;
      },
      close: () => defi.close(),
    };
  },
} satisfies ServerDefinition;
