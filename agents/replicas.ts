import { formatDuration } from '../config/duration.js';
import { ClusterUnreachableError, isCluster, type ClusterBackend, type FleetEvent, type NodeState } from '../mcp-fleet/backends/index.js';
import type { Member } from '../config/manifest.js';
import { HealState } from '../state/heal-state.js';
import type { Health } from '../state/health.js';
import { startHeartbeat } from './heartbeat.js';
import { fleetOf, type AgentDefinition, type AgentDeps } from './agent.js';

/**
 * On a cluster backend (swarm), healing that works with the engine rather than against it. The engine replaces
 * tasks that exit and reschedules those of a lost node; this agent does what it does not: replaces a replica that
 * hangs while its process lives (out of the MCP pool's rotation for `retries` health intervals), counts replica
 * deaths against the member's restart budget (past it: an alert, and the healer leaves the member alone), alerts
 * when a member cannot run at all (the engine's reason: no such image, no node satisfies the placement) and when a
 * node is down or drained, and posts one healing notice per incident — when every replica runs and answers again —
 * not one per task event. When the swarm manager does not answer, one alert says so (members are neither watched nor
 * healed meanwhile), resolved when it answers again. On another backend it does nothing: the healer restarts members
 * there.
 */

const WATCH_MS = 250;
/** A replica that has not answered for this long past its start period is hung, unless the member's own
 *  thresholds (retries × interval) say longer. */
const MIN_HUNG_MS = 1000;

interface Incident {
  since: number;
  /** What happened, one line per replica: "replica 2 on vm (5nfw0fud8z69) died (exit 137)". */
  what: string[];
  replaced: Set<string>;
}

export const replicasAgent: AgentDefinition = {
  name: 'replicas',
  description: 'on a swarm: replaces hung replicas, counts crash loops, alerts on nodes and unrunnable members, one notice per incident',
  needsFleet: true,
  start(deps: AgentDeps) {
    const fleet = fleetOf(deps);
    const { hub, log, notify, audit } = deps;
    const heartbeat = startHeartbeat(hub, 'replicas');
    // Alive, with nothing to do: on one host the healer restarts members itself.
    if (!isCluster(fleet.backend)) return { ready: Promise.resolve(), stop: () => heartbeat.stop() };
    const cluster: ClusterBackend = fleet.backend;
    const state = new HealState(hub);
    const byName = new Map(fleet.members.map((m) => [m.name, m]));
    const incidents = new Map<string, Incident>();
    /** Alerts firing now, by key: resolved when their condition clears. */
    const firing = new Map<string, { member?: string; severity: 'warning' | 'critical'; title: string }>();
    let stopped = false;

    const alert = async (key: string, active: boolean, fields: { member?: string; severity: 'warning' | 'critical'; title: string; resolved: string; detail?: string }) => {
      if (active === firing.has(key)) return;
      const { resolved, ...rest } = fields;
      if (active) firing.set(key, rest);
      else firing.delete(key);
      await notify.add('alert', { key, status: active ? 'firing' : 'resolved', severity: fields.severity, ...(fields.member ? { member: fields.member } : {}), title: active ? fields.title : resolved, ...(active && fields.detail ? { detail: fields.detail } : {}), at: Date.now() });
    };

    const open = (member: string, what: string): Incident => {
      let incident = incidents.get(member);
      if (!incident) incidents.set(member, (incident = { since: Date.now(), what: [], replaced: new Set() }));
      if (!incident.what.includes(what)) incident.what.push(what);
      return incident;
    };

    const countAgainstBudget = async (member: Member) => {
      const count = await state.incident(member.name, member.restart.window);
      if (count <= member.restart.max_restarts) return;
      const title = `${member.name} is crash-looping: ${count} replica failures in ${formatDuration(member.restart.window)}`;
      if (!(await state.paused())[member.name]) await state.pauseFor(member.name, { by: 'replicas', at: Date.now(), reason: 'crash-loop', detail: title });
      await alert(`crashloop-${member.name}`, true, { member: member.name, severity: 'critical', title, resolved: `${member.name} is back under care` });
    };

    const onEvent = async (event: FleetEvent) => {
      const member = byName.get(event.member);
      if (!member || event.type !== 'died' || event.expected) return;
      const replica = event.task ? `replica ${event.task.slot ?? event.task.id.slice(0, 12)} on ${event.task.node}` : member.name;
      if (event.error) {
        // The engine cannot run it: say so once, with its reason; it clears when the replicas run.
        await alert(`${member.name}-cannot-run`, true, { member: member.name, severity: 'critical', title: `${member.name} cannot run: ${event.error}`, resolved: `${member.name} runs again` });
        return;
      }
      open(member.name, `${replica} died${event.code === null ? '' : ` (exit ${event.code})`}`);
      await countAgainstBudget(member);
    };

    /** Hung replicas left in place while a dependency is not healthy, by member: said once, in its last healing. */
    const waiting = new Map<string, string>();

    /**
     * Replicas that stopped answering while their task runs: replaced, once each — but not while a member they depend
     * on is unhealthy (as the healer waits on one host): a new replica would hang the same way, and the budget would
     * pay for the dependency's failure. The replacement follows once the dependency is healthy again.
     */
    const replaceHung = async (member: Member, tasks: { id: string; since: number; slot?: number; node: string }[], healths: Record<string, Health>) => {
      // The health agent's pings (every replica, each interval) keep the pool's rotation current.
      if (member.kind !== 'mcp') return;
      const hungAfter = Math.max(MIN_HUNG_MS, member.health.retries * member.health.interval);
      const views = await fleet.pool.replicasOf(member.name);
      // No replica answers: the member as a whole is unhealthy, and that is the healer's to restart (dependency order,
      // backoff, budget, one notice), as on one host — two restarters for one failure would each post a notice.
      if (!views.some((v) => v.inRotation)) return;
      for (const view of views) {
        const task = tasks.find((t) => t.id === view.instance);
        if (view.inRotation || !task || view.benchedAt === undefined) continue;
        if (Date.now() - task.since < member.health.start_period || Date.now() - view.benchedAt < hungAfter) continue;
        const incident = incidents.get(member.name);
        if (incident?.replaced.has(task.id)) continue;
        const what = `replica ${task.slot ?? task.id.slice(0, 12)} on ${task.node} hung (${view.reason ?? 'did not answer ping'})`;
        const waitingFor = member.depends_on.filter((d) => healths[d]?.status !== 'healthy');
        if (waitingFor.length) {
          const detail = `${member.name}: ${what}; waiting for ${waitingFor.join(', ')} to be healthy before replacing it`;
          if (waiting.get(member.name) !== detail) {
            waiting.set(member.name, detail);
            log.warn('hung replica left until its dependencies are healthy', { member: member.name, task: task.id, waitingFor });
            await state.recordLast(member.name, { at: Date.now(), outcome: 'waiting', detail });
          }
          continue;
        }
        waiting.delete(member.name);
        open(member.name, what).replaced.add(task.id);
        log.warn('replacing a hung replica', { member: member.name, task: task.id, reason: view.reason });
        await countAgainstBudget(member);
        await cluster.replaceTask(member.name, task.id).catch((error) => log.warn('cannot replace replica', { member: member.name, error }));
      }
    };

    /** An incident is over when every wanted replica runs and answers: one notice says what happened and how long. */
    const closeIfHealed = async (member: Member, running: number, desired: number) => {
      const incident = incidents.get(member.name);
      if (!incident || running < desired || desired === 0) return;
      if (member.kind === 'mcp') {
        const views = await fleet.pool.replicasOf(member.name);
        if (views.length < desired || views.some((v) => !v.inRotation)) return;
      }
      incidents.delete(member.name);
      const took = formatDuration(Date.now() - incident.since);
      const title = `${member.name}: ${incident.what.join('; ')} → replaced in ${took}, ${running}/${desired} replicas healthy`;
      await state.recordLast(member.name, { at: Date.now(), outcome: 'ok', detail: title });
      await notify.add('healing', { member: member.name, action: 'replace', title, at: Date.now() });
      await audit.record({ at: Date.now(), user: { id: 'replicas', name: 'replicas' }, via: 'healer', channel: 'fleet', command: 'heal', args: { member: member.name }, outcome: 'ok', detail: title });
    };

    const watchNodes = async (nodes: NodeState[]) => {
      for (const node of nodes) {
        const name = `node ${node.hostname} (${node.id.slice(0, 12)})`;
        await alert(`node-${node.id}-down`, node.state !== 'ready', { severity: 'critical', title: `${name} is ${node.state}: its tasks move to other nodes`, resolved: `${name} is ready again` });
        await alert(`node-${node.id}-drain`, node.availability !== 'active', { severity: 'warning', title: `${name} is ${node.availability === 'drain' ? 'drained' : 'paused'}: it takes no new tasks`, resolved: `${name} is active again` });
      }
    };

    const watch = async () => {
      const [states, nodes, healths] = await Promise.all([cluster.list(), cluster.nodes(), deps.health.all()]);
      await watchNodes(nodes);
      for (const s of states) {
        const member = byName.get(s.name);
        if (!member || !s.replicas) continue;
        const { running, desired } = s.replicas;
        const runningTasks = s.replicas.tasks.filter((t) => t.state === 'running' && t.desired === 'running');
        if (running >= desired && firing.has(`${member.name}-cannot-run`)) await alert(`${member.name}-cannot-run`, false, { member: member.name, severity: 'critical', title: '', resolved: `${member.name} runs again` });
        await replaceHung(member, runningTasks, healths);
        await closeIfHealed(member, running, desired);
      }
      heartbeat.count('done');
    };

    // The event stream ends when the backend closes.
    void (async () => {
      for await (const event of cluster.events()) {
        if (stopped) break;
        await onEvent(event).catch((error) => log.warn('replica event failed', { error }));
      }
    })();

    const UNREACHABLE = 'swarm-manager-unreachable';
    const unreachable = (error?: ClusterUnreachableError) =>
      alert(UNREACHABLE, error !== undefined, {
        severity: 'critical',
        title: `${error?.message}: members are neither watched nor healed until it answers`,
        resolved: 'the swarm manager answers again',
      });

    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    let lastFailure: string | undefined;
    const loop = (async () => {
      while (!stopped) {
        try {
          await watch();
          lastFailure = undefined;
          if (firing.has(UNREACHABLE)) await unreachable();
        } catch (error) {
          heartbeat.count('failed');
          // The backend logs an unreachable manager once; other failures are logged once each until the watch works.
          if (error instanceof ClusterUnreachableError) await unreachable(error).catch((e) => log.warn('cannot raise the alert', { error: e }));
          else if ((error as Error).message !== lastFailure) log.warn('replica watch failed', { error });
          lastFailure = (error as Error).message;
        }
        markReady();
        await new Promise((r) => setTimeout(r, WATCH_MS));
      }
    })();

    return {
      ready,
      async stop() {
        stopped = true;
        await loop;
        await heartbeat.stop();
      },
    };
  },
};
