import { z } from 'zod';
import type { MemberState, NodeState } from './backends/index.js';
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
  /** On a backend that runs replicas (swarm): how many run, how many should, where, and each task. */
  replicas: z
    .object({
      desired: z.number().int(),
      running: z.number().int(),
      nodes: z.array(z.string()),
      tasks: z.array(
        z.object({
          id: z.string(),
          slot: z.number().int().optional(),
          node: z.string(),
          state: z.string(),
          desired: z.string(),
          since: z.number(),
          error: z.string().optional(),
          exitCode: z.number().optional(),
          /** A running MCP replica: in the pool's rotation (answering) or out of it, and why. */
          health: z.enum(['healthy', 'unhealthy']).optional(),
          reason: z.string().optional(),
        }),
      ),
    })
    .optional(),
});
export type MemberStatus = z.infer<typeof MemberStatusSchema>;

/** What `/nodes` shows for one node of a cluster. */
export const NodeStatusSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  address: z.string(),
  role: z.enum(['manager', 'worker']),
  state: z.string(),
  availability: z.enum(['active', 'pause', 'drain']),
  leader: z.boolean(),
  tasks: z.number().int(),
}) satisfies z.ZodType<NodeState>;

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
    ...(state?.replicas
      ? {
          replicas: {
            desired: state.replicas.desired,
            running: state.replicas.running,
            nodes: [...new Set(state.replicas.tasks.filter((t) => t.state === 'running').map((t) => t.node))],
            tasks: state.replicas.tasks.map(({ nodeId: _, ...task }) => task),
          },
        }
      : {}),
  };
}

export function fleetStatus(members: Member[], states: MemberState[], health: Record<string, Health>, now = Date.now()): MemberStatus[] {
  const byName = new Map(states.map((s) => [s.name, s]));
  return members.map((member) => memberStatus(member, byName.get(member.name), health[member.name], now));
}
