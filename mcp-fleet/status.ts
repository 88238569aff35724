import { z } from 'zod';
import type { MemberState } from './backends/index.js';
import { describeExit, HealthStatusSchema, type Health } from './health.js';
import type { Member } from '../config/manifest.js';

/** What `/status`, the monitoring MCP server and the dashboard show for one member: run state and health together. */
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

export function memberStatus(member: Member, state: MemberState | undefined, health: Health | undefined, now: number): MemberStatus {
  const running = state?.state === 'running';
  const healthStatus = !running ? 'down' : health && health.status !== 'down' && health.checkedAt >= (state?.startedAt ?? 0) ? health.status : 'starting';
  const reason = !running ? (state ? describeExit(state) : 'unknown to the backend') : healthStatus === 'healthy' ? undefined : health?.reason;
  return {
    name: member.name,
    description: member.description,
    kind: member.kind,
    transport: member.transport,
    state: state?.state ?? 'stopped',
    health: healthStatus,
    reason,
    pid: running ? state?.pid : undefined,
    uptimeMs: running && state?.startedAt !== undefined ? now - state.startedAt : undefined,
    restarts: state?.restarts ?? 0,
    exitCode: state?.lastExit?.code,
    pingMs: healthStatus === 'healthy' ? health?.latencyMs : undefined,
    tags: member.tags,
  };
}

export function fleetStatus(members: Member[], states: MemberState[], health: Record<string, Health>, now = Date.now()): MemberStatus[] {
  const byName = new Map(states.map((s) => [s.name, s]));
  return members.map((member) => memberStatus(member, byName.get(member.name), health[member.name], now));
}
