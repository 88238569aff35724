import { formatEther } from 'ethers';
import { z } from 'zod';
import { calldata, readWords, SELECTOR } from '../../defi/batch-read.js';
import { formatAmount } from '../../defi/describe.js';
import { defiServer } from './defi-server.js';
import { tool, toolResult, withAddress } from './server.js';

/** The `portfolio` MCP server: an account's native and token balances across the watched tokens. Side effects: JSON-RPC reads. */

export default defiServer({
  name: 'portfolio',
  description: 'Balances of an account in every watched token',
  tools: (engine) => ({
    balances: tool({
      description: 'The native balance and every watched token balance of an address (one batched read)',
      input: { address: z.string().describe('A 0x-prefixed 20-byte address, e.g. the executor account') },
      run: ({ address }) =>
        withAddress(address, async (owner) => {
          const e = await engine();
          const tokens = e.registry.tokens;
          const [native, words] = await Promise.all([e.provider.getBalance(owner), readWords(e.provider, tokens.map((t) => ({ target: t.address, data: calldata(SELECTOR.balanceOf, owner) })))]);
          const held = tokens.map((t, i) => ({ symbol: t.symbol, address: t.address, balance: formatAmount(words[i]!, t.decimals) }));
          const text = [`${owner}: ${formatEther(native)} native`, ...held.filter((h) => h.balance !== '0').map((h) => `${h.balance} ${h.symbol}`)];
          return toolResult(text.join('\n'), { address: owner, native: formatEther(native), tokens: held });
        }),
    }),
  }),
});
