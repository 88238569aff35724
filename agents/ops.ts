import { UnrecoverableError } from 'bullmq';
import { formatDuration } from '../config/duration.js';
import type { Member } from '../config/manifest.js';
import { checkHealth } from '../mcp-fleet/health.js';
import { fleetStatus } from '../mcp-fleet/status.js';
import { opsQueue, type ServerInfo } from '../queues/ops.js';
import { redact, redactLines } from '../security/redact.js';
import { fleetOf, type AgentDeps } from './agent.js';
import { clusterHandlers, withReplicaHealth } from './cluster-ops.js';
import { answers, defineAgent } from './worker-agent.js';

/** The ops agent answers the `ops` queue against the fleet it runs: status, restart, logs, servers, MCP tool calls, and on a cluster scale and nodes. */

/** How often a member just (re)started is probed until it answers: its start is what a restart waits for. */
const POLL_MS = 20;
/**
 * How long a read of the health state serves /status. The health agent writes it once per probe interval (seconds),
 * so /status asked many times a second shares one read instead of adding a Redis round trip to each answer — a
 * quarter of its time. The ops agent's own checks (restart, start) drop it at once.
 */
const HEALTH_READ_MS = 100;

function handlers(deps: AgentDeps) {
  const fleet = fleetOf(deps);
  const { health } = deps;
  let healthRead: { at: number; all: ReturnType<typeof health.all> } | undefined;
  const healths = () => {
    if (!healthRead || performance.now() - healthRead.at > HEALTH_READ_MS) {
      const read = { at: performance.now(), all: health.all() };
      read.all.catch(() => healthRead === read && (healthRead = undefined));
      healthRead = read;
    }
    return healthRead.all;
  };
  const member = (name: string) => {
    const found = fleet.members.find((m) => m.name === name);
    if (!found) throw new UnrecoverableError(`unknown member "${name}"`);
    return found;
  };

  /** Waits until a member just (re)started answers, or its start period runs out. */
  const untilAnswering = async (target: Member, began: number) => {
    healthRead = undefined;
    const deadline = Date.now() + target.health.start_period;
    let outcome = await checkHealth(health, target, fleet.backend, fleet.pool);
    while (outcome.after.status !== 'healthy' && outcome.after.status !== 'down' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      outcome = await checkHealth(health, target, fleet.backend, fleet.pool);
    }
    healthRead = undefined;
    const healthy = outcome.after.status === 'healthy';
    return { healthy, reason: healthy ? undefined : `${outcome.after.reason ?? outcome.after.status} after ${formatDuration(performance.now() - began)}` };
  };

  return {
    ...clusterHandlers(fleet, member),

    async status() {
      const [states, all] = await Promise.all([fleet.backend.list(), healths()]);
      return { members: await withReplicaHealth(fleet, fleetStatus(fleet.members, states, all)), at: Date.now() };
    },

    /**
     * Restarts the member and waits until it answers again (or its start period runs out). Idempotent: if the member
     * has started since the request (this job ran before and its worker died, or another restart came first), it is
     * not restarted again — only waited for.
     */
    async restart({ member: name, requestedAt }: { member: string; requestedAt: number }) {
      const target = member(name);
      const began = performance.now();
      const current = (await fleet.backend.list()).find((s) => s.name === name);
      if (!(current?.state === 'running' && (current.startedAt ?? 0) > requestedAt)) await fleet.backend.restart(name);
      const { healthy, reason } = await untilAnswering(target, began);
      const state = (await fleet.backend.list()).find((s) => s.name === name);
      return { member: name, durationMs: performance.now() - began, healthy, reason, restarts: state?.restarts ?? 0 };
    },

    async start({ member: name }: { member: string }) {
      const target = member(name);
      const began = performance.now();
      await fleet.backend.start(name);
      return { member: name, durationMs: performance.now() - began, ...(await untilAnswering(target, began)) };
    },

    async stop({ member: name }: { member: string }) {
      member(name);
      const began = performance.now();
      await fleet.backend.stop(name);
      healthRead = undefined;
      return { member: name, durationMs: performance.now() - began };
    },

    async logs({ member: name, tail }: { member: string; tail: number }) {
      member(name);
      // The backend redacts the member's text before stamping it (a secret can span lines); once more here, as the
      // lines go into a job result that stays in Redis, where other tools can read it.
      const lines = redactLines(await fleet.backend.logs(name, { tail }));
      return { member: name, lines };
    },

    async servers() {
      const servers = await Promise.all(
        fleet.members
          .filter((m) => m.kind === 'mcp')
          .map(async (m): Promise<ServerInfo> => {
            const base = { name: m.name, description: m.description, transport: m.transport };
            try {
              const tools = await fleet.pool.tools(m.name);
              return {
                ...base,
                tools: tools.map((t) => ({
                  name: t.name,
                  description: t.description,
                  // Only what the server itself declares read-only is run without a human's confirmation.
                  readOnly: t.annotations?.readOnlyHint === true,
                  inputSchema: t.inputSchema,
                })),
              };
            } catch (error) {
              return { ...base, tools: [], error: (error as Error).message };
            }
          }),
      );
      return { servers };
    },

    /** One MCP tool call; a tool's own failure comes back as `isError`, for the user or model to read. */
    async call({ server, tool, args }: { server: string; tool: string; args: Record<string, unknown> }) {
      member(server);
      const result = await fleet.pool.callTool(server, tool, args);
      const text = (result.content ?? [])
        .map((c) => (c.type === 'text' ? c.text : `[${c.type}]`))
        .join('\n');
      // Redacted here too: job results stay in Redis.
      return { isError: result.isError === true, text: redact(text) };
    },
  };
}

export const opsAgent = defineAgent({
  name: 'ops',
  description: 'answers status, restart, logs and servers requests against the fleet',
  needsFleet: true,
  // A short lock: if this process dies mid-job, another ops agent takes the job over within seconds, not half a minute.
  work: (deps) => ({ queue: answers(opsQueue, handlers(deps), { concurrency: 16, log: deps.log, lockDurationMs: 5000 }) }),
});
