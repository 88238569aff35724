import { UnrecoverableError } from 'bullmq';
import { formatDuration } from '../config/duration.js';
import { isCluster, type ClusterBackend, type NodeState } from '../mcp-fleet/backends/index.js';
import type { Member } from '../config/manifest.js';
import type { FleetBackend } from '../mcp-fleet/backends/index.js';
import type { McpPool } from '../mcp-fleet/pool.js';
import type { MemberStatus } from '../state/fleet-status.js';

/** The fleet as the ops agent holds it (agents/index.ts FleetHost). */
interface FleetHost {
  members: Member[];
  backend: FleetBackend;
  pool: McpPool;
}

/**
 * The ops jobs only a cluster backend (swarm) can answer: scale a member, list the nodes, drain or activate a node.
 * On another backend each says so in one line, naming the setting that would allow it.
 */

const POLL_MS = 100;
/** How long a scale waits for the new replicas to run and answer, beyond the member's start period. */
const SCALE_GRACE_MS = 30_000;

function clusterOf(fleet: FleetHost, what: string): ClusterBackend {
  if (!isCluster(fleet.backend)) throw new UnrecoverableError(`this fleet runs one instance of each member: ${what} needs FLEET_BACKEND=swarm`);
  return fleet.backend;
}

export function clusterHandlers(fleet: FleetHost, member: (name: string) => Member) {
  return {
    /** Sets the member's replica count and waits until that many run (and, for an MCP server, answer a ping). */
    async scale({ member: name, replicas }: { member: string; replicas: number }) {
      const target = member(name);
      const cluster = clusterOf(fleet, '/scale');
      if (replicas > target.max_replicas) throw new UnrecoverableError(`${name} scales from 0 to ${target.max_replicas} replicas (max_replicas)`);
      const began = performance.now();
      await cluster.scale(name, replicas);
      const deadline = Date.now() + target.health.start_period + SCALE_GRACE_MS;
      let running = -1;
      let reason: string | undefined;
      for (;;) {
        const state = (await cluster.list()).find((s) => s.name === name);
        running = state?.replicas?.running ?? 0;
        const waiting = state?.replicas?.tasks.find((t) => t.desired === 'running' && t.error);
        reason = waiting?.error;
        if (running === replicas) {
          if (target.kind !== 'mcp' || replicas === 0) break;
          // Every replica in the rotation: a ping to the member pings each one.
          const answering = await fleet.pool.ping(name, target.health.timeout).then(() => fleet.pool.replicasOf(name), () => []);
          if (answering.length === replicas && answering.every((r) => r.inRotation)) break;
          reason = answering.find((r) => !r.inRotation)?.reason ?? 'replicas not answering yet';
        }
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      const durationMs = performance.now() - began;
      const healthy = running === replicas && (replicas === 0 || reason === undefined);
      return {
        member: name,
        replicas,
        running,
        durationMs,
        healthy,
        ...(healthy ? {} : { reason: `${reason ?? `${running} of ${replicas} running`} after ${formatDuration(durationMs)}` }),
      };
    },

    async nodes() {
      return { nodes: await clusterOf(fleet, '/nodes').nodes() };
    },

    async availability({ node, availability }: { node: string; availability: NodeState['availability'] }) {
      const cluster = clusterOf(fleet, '/nodes drain');
      try {
        return { node: await cluster.setAvailability(node, availability) };
      } catch (error) {
        // A node that is not there (or is ambiguous) is the user's to fix, not a job to retry.
        if (error instanceof RangeError) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
  };
}

/** Each running MCP replica's health as the pool sees it: in the rotation (answering) or out of it, and why. */
export async function withReplicaHealth(fleet: FleetHost, members: MemberStatus[]): Promise<MemberStatus[]> {
  return Promise.all(
    members.map(async (m) => {
      if (!m.replicas || m.kind !== 'mcp') return m;
      const views = new Map((await fleet.pool.replicasOf(m.name).catch(() => [])).map((v) => [v.instance, v]));
      const tasks = m.replicas.tasks.map((t) => {
        const view = t.state === 'running' ? views.get(t.id) : undefined;
        return view ? { ...t, health: view.inRotation ? ('healthy' as const) : ('unhealthy' as const), ...(view.reason ? { reason: view.reason } : {}) } : t;
      });
      return { ...m, replicas: { ...m.replicas, tasks } };
    }),
  );
}
