import type { DownExit, Health, HealthStatus, HealthStore } from '../state/health.js';
import type { FleetBackend, HealthCheck, MemberState } from './backends/index.js';
import type { Member } from '../config/manifest.js';
import type { McpPool } from './pool.js';

/**
 * Member health: one probe (is the process up; then its own health check where it has one — a container HEALTHCHECK,
 * which already applied its thresholds, and whose verdict stands — else does its MCP server answer ping in time) and
 * the thresholds of fleet.yaml turning pings into a state, kept in the HealthStore (state/health.ts).
 * Side effects: MCP pings and health-tool calls; checkHealth and recordProbes write the HealthStore.
 */

export type Probe =
  | { running: false; reason: string; exit: DownExit }
  | { running: true; startedAt: number; ok: true; latencyMs: number }
  | { running: true; startedAt: number; ok: false; reason: string }
  /** The member's own health check spoke: its verdict stands as it is. */
  | { running: true; startedAt: number; checked: HealthCheck };

export function describeExit(state: MemberState): string {
  const exit = state.lastExit;
  if (state.state === 'stopped' || !exit) return 'stopped';
  if (exit.oomKilled) return `killed for using more memory than its limit (out of memory, exit code ${exit.code})`;
  if (exit.error) return `failed to start: ${exit.error}`;
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** One check of one member: its own health check where it has one, else MCP ping for an MCP server. */
export async function probe(member: Member, state: MemberState, pool: McpPool): Promise<Probe> {
  if (state.state !== 'running' || state.startedAt === undefined) {
    const last = state.lastExit;
    const exit = { code: last?.code ?? null, signal: last?.signal ?? null, crashed: state.state === 'exited', ranMs: last?.ranMs, oomKilled: last?.oomKilled };
    return { running: false, reason: describeExit(state), exit };
  }
  const startedAt = state.startedAt;
  // MCP ping, then the member's health tool if it names one.
  const answers = async (): Promise<Probe> => {
    try {
      const latencyMs = await pool.ping(member.name, member.health.timeout);
      if (member.health.tool) {
        // The process answers, but what it serves may be down (its RPC endpoint): the tool says which.
        const result = await pool.callTool(member.name, member.health.tool, {}, member.health.timeout);
        if (result.isError) {
          const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join(' ');
          return { running: true, startedAt, ok: false, reason: text || `${member.health.tool} failed` };
        }
      }
      return { running: true, startedAt, ok: true, latencyMs };
    } catch (error) {
      return { running: true, startedAt, ok: false, reason: (error as Error).message };
    }
  };
  if (state.check) {
    // The check gives its first verdict on a run one interval after the start; until then an MCP server that answers
    // is healthy already. A failed answer meanwhile proves nothing the check will not judge itself.
    const early = state.check.status === 'starting' && member.kind === 'mcp' ? await answers() : undefined;
    return early?.running && 'ok' in early && early.ok ? early : { running: true, startedAt, checked: state.check };
  }
  return member.kind === 'mcp' ? answers() : { running: true, startedAt, ok: true, latencyMs: 0 };
}

/**
 * Docker's rules: a success makes the member healthy at once; failures count only after `start_period`, and it is
 * unhealthy after `retries` of them in a row. A process that is not running is down. The verdict of a member's own
 * health check is taken as it is: it applied these rules itself.
 */
export function nextHealth(last: Health | undefined, result: Probe, member: Member, now: number): Health {
  // A new run starts from scratch, as a restarted container does: what an earlier run earned does not carry over.
  const previous = result.running && last && last.checkedAt < result.startedAt ? undefined : last;
  const enter = (status: HealthStatus, fields: Partial<Health>): Health => ({
    status,
    since: previous?.status === status ? previous.since : now,
    checkedAt: now,
    failures: 0,
    ...fields,
  });
  if (!result.running) return enter('down', { reason: result.reason, exit: result.exit, failures: (previous?.failures ?? 0) + 1 });
  if ('checked' in result) {
    const { status, failures, reason } = result.checked;
    return enter(status, { failures, reason: status === 'healthy' ? undefined : reason });
  }
  if (result.ok) return enter('healthy', { latencyMs: Math.round(result.latencyMs) });
  const failures = (previous?.status === 'down' ? 0 : (previous?.failures ?? 0)) + 1;
  const inStartPeriod = now - result.startedAt < member.health.start_period;
  if (failures >= member.health.retries && !inStartPeriod) return enter('unhealthy', { failures, reason: result.reason });
  const stay = previous && previous.status !== 'down' ? previous.status : 'starting';
  return enter(stay, { failures, reason: result.reason });
}

export type Transition = { member: Member; before?: Health; after: Health };

/** Probes one member whose backend state is among `states`. */
export function probeIn(member: Member, states: readonly MemberState[], pool: McpPool): Promise<Probe> | Probe {
  const state = states.find((s) => s.name === member.name);
  return state ? probe(member, state, pool) : { running: false, reason: 'not found', exit: { code: null, signal: null, crashed: false } };
}

/** Records probe outcomes in the store — one read and one write for all of them — and returns the transitions. */
export async function recordProbes(store: HealthStore, probed: readonly { member: Member; result: Probe }[]): Promise<Transition[]> {
  if (!probed.length) return [];
  const befores = await store.getMany(probed.map((p) => p.member.name));
  const now = Date.now();
  const transitions = probed.map(({ member, result }, i) => ({ member, before: befores[i], after: nextHealth(befores[i], result, member, now) }));
  const changed = transitions.filter((t) => t.before?.status !== t.after.status).map((t) => t.member.name);
  await store.putMany(
    transitions.map((t) => [t.member.name, t.after] as const),
    changed,
  );
  return transitions;
}

/** Probes one member and records the outcome in the store; returns the previous and the new health. */
export async function checkHealth(store: HealthStore, member: Member, backend: FleetBackend, pool: McpPool): Promise<Transition> {
  const result = await probeIn(member, await backend.list(), pool);
  const [transition] = (await recordProbes(store, [{ member, result }])) as [Transition];
  return transition;
}
