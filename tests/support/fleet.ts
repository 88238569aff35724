import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemberSchema, type Member } from '../../config/manifest.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SUPPORT = path.join(ROOT, 'tests/support');

/** A manifest member with fleet.yaml defaults applied. */
export function member(fields: Record<string, unknown>): Member {
  return MemberSchema.parse(fields);
}

const DURATIONS = new Set(['interval', 'timeout', 'start_period', 'window', 'backoff_initial', 'backoff_max', 'delay', 'monitor']);
const withUnits = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withUnits)
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, DURATIONS.has(k) && typeof v === 'number' ? `${v}ms` : withUnits(v)]))
      : value;

/** Members as a fleet.yaml a process reads: parsed members hold durations in ms, a manifest writes them with their unit. */
export function manifestText(members: readonly Member[]): string {
  return JSON.stringify({ members: withUnits(members) });
}

/** Test MCP server (tests/support/mcp/test-server.mjs) as a member, over stdio or HTTP. */
export function testServer(name: string, transport: 'stdio' | 'http' = 'stdio', extra: Record<string, unknown> = {}, flags: string[] = []): Member {
  const command = ['node', path.join(SUPPORT, 'mcp/test-server.mjs'), ...(transport === 'http' ? ['--http', '${PORT}'] : []), ...flags];
  return member({ name, transport, command, health: { interval: '200ms', timeout: '500ms', retries: 2, start_period: '5s' }, ...extra });
}

export function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, { timeoutMs = 10_000, everyMs = 25, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
}
