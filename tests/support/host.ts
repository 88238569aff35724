import type { FleetHost } from '../../agents/agent.js';
import { ProcessBackend } from '../../mcp-fleet/backends/process.js';
import type { Member } from '../../config/manifest.js';
import { McpPool } from '../../mcp-fleet/pool.js';
import { createLogger } from '../../telemetry/logger.js';
import { ROOT } from './fleet.js';

/** A real fleet for tests: the process backend running `members`, with an MCP pool over them. */
export async function startFleet(members: Member[], vars: Record<string, string | undefined> = {}): Promise<FleetHost & { close(): Promise<void> }> {
  const log = createLogger({ level: 'error' });
  const backend = new ProcessBackend({ members, vars: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars }, cwd: ROOT, log });
  const pool = new McpPool(backend, members, { log, connectTimeoutMs: 5000 });
  await backend.startAll();
  return {
    members,
    backend,
    pool,
    async close() {
      await pool.close();
      await backend.close();
    },
  };
}
