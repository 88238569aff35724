import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../mcp-fleet/ports.js';
import { ANVIL_ACCOUNT, startAnvil } from '../support/anvil.js';
import { member, waitFor } from '../support/fleet.js';
import { startFleet } from '../support/host.js';

// The first-party blockchain server, run as a fleet member by `fleetbot serve` and driven through the MCP pool.
const blockchain = member({ name: 'blockchain', command: ['fleetbot', 'serve', 'blockchain'], env: { RPC_URL: '${RPC_URL}' } });
const text = (result: { content: unknown }) => (result.content as { text: string }[]).map((c) => c.text).join('\n');

describe('blockchain MCP server', () => {
  let anvil: Awaited<ReturnType<typeof startAnvil>>;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(() => anvil?.stop());

  it('GIVEN a real chain THEN chain id, block number, gas price and balances come from it', async () => {
    const fleet = await startFleet([blockchain], { RPC_URL: anvil.url });
    try {
      const { pool } = fleet;
      const chain = await waitFor(() => pool.callTool('blockchain', 'chain_id', {}).catch(() => undefined), { what: 'server' });
      expect(chain.structuredContent).toEqual({ chainId: 31337 });
      expect(text(await pool.callTool('blockchain', 'block_number', {}))).toMatch(/^latest block \d+$/);
      expect(text(await pool.callTool('blockchain', 'gas_price', {}))).toMatch(/^gas price [\d.]+ gwei$/);
      const balance = await pool.callTool('blockchain', 'balance', { address: ANVIL_ACCOUNT.toLowerCase() });
      expect(balance.structuredContent).toMatchObject({ address: ANVIL_ACCOUNT, ether: '10000.0' });
      const bad = await pool.callTool('blockchain', 'balance', { address: '0x123' });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toBe('not an address: "0x123" (expected 0x followed by 40 hex digits)');
    } finally {
      await fleet.close();
    }
  });

  it('GIVEN no RPC_URL THEN every chain tool answers a clear tool error, and the server stays up', async () => {
    const fleet = await startFleet([blockchain]);
    try {
      const result = await waitFor(() => fleet.pool.callTool('blockchain', 'block_number', {}).catch(() => undefined), { what: 'server' });
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^no RPC endpoint configured: set RPC_URL/);
      expect(await fleet.pool.ping('blockchain', 1000)).toBeGreaterThanOrEqual(0);
    } finally {
      await fleet.close();
    }
  });

  it('GIVEN an RPC endpoint that is down THEN the tool error names the endpoint, quickly', async () => {
    const fleet = await startFleet([blockchain], { RPC_URL: `http://127.0.0.1:${await freePort()}/v3/5921b106850737afb735f62216dca21b` });
    try {
      await waitFor(() => fleet.pool.ping('blockchain', 1000).catch(() => undefined), { what: 'server' });
      const began = Date.now();
      const result = await fleet.pool.callTool('blockchain', 'chain_id', {});
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/^RPC 127\.0\.0\.1:\d+ failed: /);
      expect(text(result)).not.toContain('5921b106850737afb735f62216dca21b');
      expect(Date.now() - began).toBeLessThan(6000);
    } finally {
      await fleet.close();
    }
  });
});
