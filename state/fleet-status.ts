import { z } from 'zod';
import { readJson } from '../redis/json.js';
import type { RedisHub } from '../redis/hub.js';
import { HealthStatusSchema } from './health.js';

/**
 * The fleet status snapshot: every member's run state and health together, as `/status`, the monitoring MCP server
 * and the dashboard show it. The health agent writes it after every check; any process reads it.
 * Side effects: reads and writes the `<prefix>:fleet-status` key.
 */

export const MemberStatusSchema = z.object({
  name: z.string(),
  description: z.string(),
  kind: z.enum(['mcp', 'agent']),
  transport: z.enum(['stdio', 'http']),
  state: z.enum(['running', 'stopped', 'exited']),
  health: HealthStatusSchema,
  /** Why it is not healthy, or how it last exited. */
  reason: z.string().optional(),
  pid: z.number().optional(),
  uptimeMs: z.number().optional(),
  restarts: z.number().int(),
  exitCode: z.number().nullable().optional(),
  pingMs: z.number().optional(),
  tags: z.array(z.string()),
});
export type MemberStatus = z.infer<typeof MemberStatusSchema>;

const FleetStatusSchema = z.object({ members: z.array(MemberStatusSchema), at: z.number() });
export type FleetStatus = z.infer<typeof FleetStatusSchema>;

const key = (hub: RedisHub) => hub.key('fleet-status');

export async function writeFleetStatus(hub: RedisHub, status: FleetStatus): Promise<void> {
  await hub.client.set(key(hub), JSON.stringify(status));
}

/** The last snapshot written; undefined if the health agent never wrote one (or it is unreadable). */
export async function readFleetStatus(hub: RedisHub): Promise<FleetStatus | undefined> {
  return readJson(FleetStatusSchema, await hub.client.get(key(hub)));
}
