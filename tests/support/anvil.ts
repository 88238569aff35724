import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../mcp-fleet/ports.js';
import { ROOT, waitFor } from './fleet.js';

/** A real local EVM: Anvil from npm, on a free loopback port. Its first dev account is funded with 10,000 ETH. */
export const ANVIL_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

export async function startAnvil(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(path.join(ROOT, 'node_modules/.bin/anvil'), ['--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' }).catch(() => undefined);
      return response?.ok;
    },
    { what: 'anvil', timeoutMs: 15_000 },
  );
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
