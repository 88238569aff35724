import type { MemberStatus } from '../state/fleet-status.js';
import type { Health } from '../state/health.js';
import type { MemberState } from './backends/index.js';
import { describeExit } from './health.js';
import type { Member } from '../config/manifest.js';

/** A member's status from what the backend and the health store say (the snapshot's schema: state/fleet-status.ts). */
function memberStatus(member: Member, state: MemberState | undefined, health: Health | undefined, now: number): MemberStatus {
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
