import { FetchRequest, JsonRpcProvider, Network } from 'ethers';

/**
 * Chain access for the engine: one ethers provider per endpoint, pinned to the chain the endpoint reports.
 * Side effects: JSON-RPC over HTTP to the endpoint.
 */

export const RPC_TIMEOUT_MS = 5000;

/** The endpoint failed; the message names the host but never the path or query, where providers put API keys. */
export class RpcError extends Error {}

export function rpcHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the RPC endpoint';
  }
}

export function describeRpcError(error: unknown, url: string): string {
  const e = error as { shortMessage?: string; message?: string };
  return `RPC ${rpcHost(url)} failed: ${e.shortMessage ?? e.message ?? String(error)}`;
}

/**
 * A provider pinned to the chain the endpoint reports. Without a static network ethers retries network detection
 * forever when the node is down — and prints to stdout, which would corrupt a stdio MCP stream. `batchMaxCount: 1`
 * because ethers' batching stalls each call 10 ms; callers that need many reads batch them on chain instead.
 */
export async function connect(url: string, timeoutMs = RPC_TIMEOUT_MS): Promise<JsonRpcProvider> {
  const request = () => {
    const r = new FetchRequest(url);
    r.timeout = timeoutMs;
    return r;
  };
  try {
    const probe = request();
    probe.body = { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] };
    const response = await probe.send();
    if (!response.ok()) throw new Error(`HTTP ${response.statusCode}`);
    const chainId = (response.bodyJson as { result?: string }).result;
    if (!chainId) throw new Error('no chain id in the answer to eth_chainId');
    // No response cache: a scan right after a trade must see the new block, not ethers' 250 ms-old answer.
    return new JsonRpcProvider(request(), Network.from(BigInt(chainId)), { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  } catch (error) {
    throw new RpcError(describeRpcError(error, url));
  }
}

/**
 * One JSON-RPC call to the provider's endpoint over Node's fetch, for the large batched reads. ethers' transport
 * encodes and decodes every body with JavaScript UTF-8 loops: on a full scan's ~0.7 MB of reader code and answers
 * that took longer than the node's own work (measured on the arbitrage bench: 181 ms vs 126 ms for 500 V3 pool
 * states). Same endpoint, headers and timeout as the provider; failures carry a string code and the node's message
 * and data as ethers' do, so rpc() and the callers' revert checks treat them alike.
 */
export async function callRaw(provider: JsonRpcProvider, method: string, params: unknown[]): Promise<unknown> {
  const connection = provider._getConnection();
  const url = new URL(connection.url);
  const headers: Record<string, string> = { ...connection.headers, 'content-type': 'application/json' };
  // fetch refuses a URL with credentials in it, which ethers' transport sends as Basic authentication.
  if (url.username || url.password) {
    headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = url.password = '';
  }
  let body: { result?: unknown; error?: { code?: number; message?: string; data?: unknown } };
  try {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(connection.timeout) });
    if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { code: 'SERVER_ERROR' });
    body = (await response.json()) as typeof body;
  } catch (error) {
    if (typeof (error as { code?: unknown }).code === 'string') throw error;
    const e = error as Error & { cause?: Error };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    throw Object.assign(new Error(timedOut ? `timeout after ${connection.timeout} ms` : `${e.message}${e.cause?.message ? ` (${e.cause.message})` : ''}`), { code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR' });
  }
  if (body.error) throw Object.assign(new Error(body.error.message ?? 'JSON-RPC error'), { code: 'CALL_EXCEPTION', data: body.error.data, error: body.error });
  return body.result;
}

/** Runs provider calls; a failure of the endpoint (ethers' errors carry a code) becomes an RpcError naming its host only. */
export async function rpc<T>(url: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof RpcError || typeof (error as { code?: unknown }).code !== 'string') throw error;
    throw new RpcError(describeRpcError(error, url));
  }
}
