import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readReserves } from '../../../defi/batch-read.js';
import { connect, rpc } from '../../../defi/chain.js';

// The batched reads go over Node's fetch, not ethers' transport: a real local HTTP endpoint checks that they reach the
// same place with the same credentials, and that every way the endpoint can fail becomes one short error naming its host.

type Answer = (body: { method: string; params: unknown[] }, auth: string | undefined) => { status?: number; json?: unknown; hang?: boolean };

let server: http.Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function endpoint(answer: Answer): Promise<{ port: number; seen: { method: string; auth?: string }[] }> {
  const seen: { method: string; auth?: string }[] = [];
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as { id: number; method: string; params: unknown[] };
      seen.push({ method: body.method, auth: req.headers.authorization });
      const out = body.method === 'eth_chainId' ? { json: { result: '0x7a69' } } : answer(body, req.headers.authorization);
      if (out.hang) return;
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, ...(out.json as object) }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server!.address() as AddressInfo).port, seen };
}

const PAIR = '0x00000000000000000000000000000000000000aa';
const reserveWord = `0x${'8'.padEnd(8, '0')}${(5n).toString(16).padStart(28, '0')}${(7n).toString(16).padStart(28, '0')}`;

describe('batched reads over fetch', () => {
  it('GIVEN credentials in the RPC URL THEN the reads send them as Basic authentication, as ethers does, and decode the answer', async () => {
    const { port, seen } = await endpoint(() => ({ json: { result: reserveWord } }));
    const provider = await connect(`http://user:p%40ss@127.0.0.1:${port}`);
    try {
      expect(await readReserves(provider, [PAIR], 12)).toEqual([{ reserve0: 5n, reserve1: 7n }]);
    } finally {
      provider.destroy();
    }
    const basic = `Basic ${Buffer.from('user:p@ss').toString('base64')}`;
    expect(seen).toEqual([{ method: 'eth_chainId', auth: basic }, { method: 'eth_call', auth: basic }]);
  });

  it('GIVEN an endpoint that errs, answers HTTP 500 or never answers THEN the read fails with one short error naming the host only', async () => {
    let mode: 'error' | 'http' | 'hang' = 'error';
    const { port } = await endpoint(() => (mode === 'error' ? { json: { error: { code: -32000, message: 'header not found' } } } : mode === 'http' ? { status: 500, json: {} } : { hang: true }));
    const url = `http://127.0.0.1:${port}/secret-key`;
    const provider = await connect(url, 300);
    const read = () => rpc(url, () => readReserves(provider, [PAIR], 'latest'));
    try {
      await expect(read()).rejects.toThrow(new RegExp(`^RPC 127\\.0\\.0\\.1:${port} failed: header not found$`));
      mode = 'http';
      await expect(read()).rejects.toThrow(new RegExp(`^RPC 127\\.0\\.0\\.1:${port} failed: HTTP 500$`));
      mode = 'hang';
      await expect(read()).rejects.toThrow(new RegExp(`^RPC 127\\.0\\.0\\.1:${port} failed: timeout after 300 ms$`));
      server!.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
      // The kept-alive socket is closed under it ("other side closed"), or a new one is refused: said either way.
      await expect(read()).rejects.toThrow(new RegExp(`^RPC 127\\.0\\.0\\.1:${port} failed: fetch failed \\((other side closed|.*ECONNREFUSED.*)\\)$`));
      await expect(read()).rejects.toThrow(new RegExp(`^RPC 127\\.0\\.0\\.1:${port} failed: fetch failed \\(.*ECONNREFUSED.*\\)$`));
    } finally {
      provider.destroy();
    }
  });
});
