import { DelayedError, type Job } from 'bullmq';
import { formatDuration } from '../config/duration.js';
import type { Health } from '../state/health.js';
import { DEFAULT_RESTART_POLICY, type Member, type RestartPolicy } from '../config/manifest.js';
import { whereOf } from '../queues/agent-control.js';
import { healQueue } from '../queues/heal.js';
import { within } from '../queues/stopping.js';
import { QueueClient } from '../queues/typed-queue.js';
import { HealState } from '../state/heal-state.js';
import { agentPresence, ALIVE_MS, BEAT_MS } from '../state/heartbeats.js';
import { Lease } from './lease.js';
import { answers, defineAgent, repeat } from './worker-agent.js';

/**
 * The healer restarts members that die or turn unhealthy, by each member's restart policy: exponential backoff (as
 * Docker: from `backoff_initial`, doubling to `backoff_max`, reset after a stable run), a budget of incidents per
 * window — past it, auto-restart pauses and a crash-looping alert fires — and dependency order (a member waits until
 * what it depends on is healthy). It watches the health state (level, not edge: a restarted healer sees what is
 * wrong now) and works through the `heal` queue, so a restart it asked for is finished even if it dies meanwhile.
 * Restarts go through the ops queue, deduplicated with manual /restart. Every healing is audited and notified.
 * However many replicas run, one decides (holds the `healer` lease, as the scanner does): two deciders would each
 * queue a restart for the same failure. Every replica works the heal queue: a job is one replica's alone.
 * It also restarts an agent that hangs — its heartbeat stale while the process that runs it still beats — in that
 * process (queues/agent-control.ts), once per incident, within the default restart budget.
 */

/** How often the healer looks at the health state besides when a change is published (see HealthStore.watchChanges). */
const POLL_MS = 500;
/** A run this long and healthy resets the backoff, as Docker does after 10 s. */
const STABLE_MS = 10_000;
/** How soon to look again while a dependency is not healthy yet. */
const DEPENDENCY_WAIT_MS = 200;
/** A heal job this healer added but never saw finish (another healer ran it) is forgotten after this. */
const IN_FLIGHT_MS = 60_000;
/** How often the agents' heartbeats are looked at: they beat every 5 s and go stale after 15. */
const AGENT_POLL_MS = 1000;
/** A hung agent's restart: its graceful stop (bounded by its job grace) and its fresh copy's first beat. */
const AGENT_RESTART_MS = 30_000;

/**
 * What the healer heals: a member, or an agent fleetbot runs. Each has its own entry in the heal state (an agent's is
 * `agent:<name>`, apart from a member of that name), a restart policy (an agent's is the manifest's default), and
 * the alert its healing answers.
 */
interface Patient {
  /** Its key in the heal state and in the crash-loop alert. */
  key: string;
  /** As notices and audit name it: `alpha`, `agent risk`. */
  label: string;
  policy: RestartPolicy;
  /** The member's name, on alerts and notices (absent for an agent). */
  member?: string;
  audit: Record<string, string>;
}

const memberPatient = (member: Member): Patient => ({ key: member.name, label: member.name, policy: member.restart, member: member.name, audit: { member: member.name } });
const agentPatient = (agent: string): Patient => ({ key: `agent:${agent}`, label: `agent ${agent}`, policy: DEFAULT_RESTART_POLICY, audit: { agent } });

const crashLoopKey = (key: string) => `crashloop-${key.replace(':', '-')}`;

/** Is this health a failure the member's policy says to heal? */
function needsHealing(member: Member, health: Health | undefined): boolean {
  if (!health || member.restart.policy === 'no') return false;
  if (health.status === 'unhealthy') return true;
  if (health.status !== 'down' || !health.exit?.crashed) return false;
  const cleanExit = health.exit.code === 0 && !health.exit.signal;
  return member.restart.policy === 'always' || !cleanExit;
}

function backoffMs(member: Member, streak: number): number {
  return Math.min(member.restart.backoff_initial * 2 ** streak, member.restart.backoff_max);
}

/** "died (exit 137)", "was killed (SIGKILL)", "was unhealthy (did not answer ping)". */
function whatHappened(health: Health): string {
  if (health.exit?.signal) return `was killed (${health.exit.signal})`;
  if (health.exit && health.exit.code !== null) return `died (exit ${health.exit.code})`;
  return `was ${health.status} (${health.reason ?? 'no reason given'})`;
}

export const healerAgent = defineAgent({
  name: 'healer',
  description: 'restarts members that die or turn unhealthy, with backoff, budget and dependency order',
  work({ hub, log, members, health, notify, ops, control, audit, stopping }) {
    const state = new HealState(hub);
    const heal = new QueueClient(healQueue, hub);
    const byName = new Map(members.map((m) => [m.name, m]));
    const inFlight = new Map<string, number>();
    /** The healthy run (by its `since`) whose stability already reset each member's backoff: once per run, not per poll. */
    const streakResetFor = new Map<string, number>();

    /** `answers`: the title of the alert this healing answers ("alpha is down", "agent risk is down"). */
    const finish = async (patient: Patient, outcome: 'ok' | 'failed', title: string, answers: string) => {
      await state.recordLast(patient.key, { at: Date.now(), outcome, detail: title });
      await notify.add('healing', { member: patient.member ?? patient.label, action: 'restart', title, answers, at: Date.now() });
      await audit.record({
        at: Date.now(),
        user: { id: 'healer', name: 'healer' },
        via: 'healer',
        channel: 'fleet',
        command: 'heal',
        args: patient.audit,
        outcome,
        detail: title,
      });
    };

    /** Counts this incident against the patient's budget; past it, auto-restart pauses and a crash-loop alert fires. */
    const overBudget = async (patient: Patient, reason: string, answers: string) => {
      const incidents = await state.incident(patient.key, patient.policy.window);
      if (incidents <= patient.policy.max_restarts) return undefined;
      const title = `${patient.label} is crash-looping: ${incidents - 1} restarts in ${formatDuration(patient.policy.window)}; auto-restart paused`;
      await state.pauseFor(patient.key, { by: 'healer', at: Date.now(), reason: 'crash-loop', detail: title });
      await notify.add('alert', { key: crashLoopKey(patient.key), status: 'firing', severity: 'critical', member: patient.member, title, detail: reason, at: Date.now() });
      await finish(patient, 'failed', title, answers);
      return { outcome: 'paused' as const, detail: title };
    };

    /** Well again (by /restart, /heal resume or itself): a crash-loop pause ends, and so does its alert. */
    const backUnderCare = async (patient: Patient, paused: Record<string, { reason: string }>, alerting: string[]) => {
      if (paused[patient.key]?.reason === 'crash-loop') await state.resume(patient.key);
      if (!alerting.includes(patient.key)) return;
      await state.crashLoopResolved(patient.key);
      await notify.add('alert', { key: crashLoopKey(patient.key), status: 'resolved', severity: 'critical', member: patient.member, title: `${patient.label} is back under care`, at: Date.now() });
    };

    const handle = async (data: { member: string; reason: string; detectedAt: number; restartRequestedAt?: number }, job: Job, token?: string) => {
      const member = byName.get(data.member);
      if (!member) return { outcome: 'skipped' as const, detail: 'not in the manifest' };
      const patient = memberPatient(member);
      // The health agent's alert this answers, by its title: "alpha is down" or "alpha is unhealthy".
      const answers = `${member.name} is ${data.reason.startsWith('was unhealthy') ? 'unhealthy' : 'down'}`;
      if (stopping?.aborted) return { outcome: 'skipped' as const, detail: 'fleetbot is stopping' };
      if ((await state.paused())[member.name]) return { outcome: 'skipped' as const, detail: 'auto-restart is paused' };
      const now = await health.get(member.name);
      if (now?.status === 'healthy' && now.since > data.detectedAt) {
        // A healer that died after asking for the restart: the restart happened; say so now.
        if (data.restartRequestedAt) {
          await finish(patient, 'ok', `${member.name} ${data.reason} → restarted in ${formatDuration(now.since - data.restartRequestedAt)}, healthy`, answers);
          return { outcome: 'restarted' as const, detail: 'finished a restart asked for by an earlier healer' };
        }
        return { outcome: 'recovered' as const, detail: 'healthy again without a restart' };
      }
      if (!data.restartRequestedAt) {
        const healths = await health.all();
        const waitingFor = member.depends_on.filter((d) => healths[d]?.status !== 'healthy');
        if (waitingFor.length) {
          await job.moveToDelayed(Date.now() + DEPENDENCY_WAIT_MS, token);
          throw new DelayedError(`waiting for ${waitingFor.join(', ')}`);
        }
        const paused = await overBudget(patient, data.reason, answers);
        if (paused) return paused;
        await state.bumpStreak(member.name);
        data.restartRequestedAt = Date.now();
        await job.updateData(data);
      }
      const result = await ops.request(
        'restart',
        { member: member.name, requestedBy: 'healer', requestedAt: data.restartRequestedAt },
        member.health.start_period + 15_000,
      );
      const title = `${member.name} ${data.reason} → restarted in ${formatDuration(result.durationMs)}, ${result.healthy ? 'healthy' : `not healthy: ${result.reason}`}`;
      await finish(patient, result.healthy ? 'ok' : 'failed', title, answers);
      return { outcome: 'restarted' as const, detail: title };
    };

    /** A hung agent, restarted in the process that runs it (queues/agent-control.ts). */
    const handleAgent = async (data: { agent: string; host: string; reason: string; detectedAt: number; restartRequestedAt?: number }, job: Job) => {
      const patient = agentPatient(data.agent);
      const answers = `agent ${data.agent} is down`;
      if (stopping?.aborted) return { outcome: 'skipped' as const, detail: 'fleetbot is stopping' };
      if ((await state.paused())[patient.key]) return { outcome: 'skipped' as const, detail: 'auto-restart is paused' };
      const now = (await agentPresence(hub)).find((p) => p.name === data.agent);
      if (now?.up && now.lastBeatAt > (data.restartRequestedAt ?? data.detectedAt)) {
        if (!data.restartRequestedAt) return { outcome: 'recovered' as const, detail: 'beating again without a restart' };
        // A healer that died after asking for the restart: the restart happened; say so now.
        await finish(patient, 'ok', `agent ${data.agent} ${data.reason} → restarted, alive`, answers);
        return { outcome: 'restarted' as const, detail: 'finished a restart asked for by an earlier healer' };
      }
      if (!data.restartRequestedAt) {
        const paused = await overBudget(patient, data.reason, answers);
        if (paused) return paused;
        data.restartRequestedAt = Date.now();
        await job.updateData(data);
      }
      const result = await control.restart(data.agent, 'healer', AGENT_RESTART_MS, data.host);
      const title = result.ok
        ? `agent ${data.agent} ${data.reason} → restarted in ${formatDuration(result.restarted[0]!.durationMs)}, alive`
        : `agent ${data.agent} ${data.reason} → not restarted: ${result.detail}`;
      await finish(patient, result.ok ? 'ok' : 'failed', title, answers);
      return { outcome: 'restarted' as const, detail: title };
    };

    /** Agents hung in a live process (not the healer itself: a hung healer heals nothing); and those well again. */
    const lease = new Lease(hub, 'healer');
    const watchHungAgents = async () => {
      // The member loop below takes and renews the lease; this one only decides while it is held.
      if (stopping?.aborted || !lease.held) return;
      const [hung, paused, alerting] = await Promise.all([control.hung(), state.paused(), state.crashLoopAlerts()]);
      for (const { agent, host, lastBeatAt } of hung) {
        const key = agentPatient(agent).key;
        // One beat past the watcher's limit: its `agent down` alert comes first, and this healing answers it.
        if (Date.now() - lastBeatAt <= ALIVE_MS + BEAT_MS) continue;
        if (agent === 'healer' || paused[key] || Date.now() - (inFlight.get(key) ?? 0) < IN_FLIGHT_MS) continue;
        inFlight.set(key, Date.now());
        const reason = `stopped beating (silent for ${formatDuration(Date.now() - lastBeatAt)} while its process ${whereOf(host)} runs)`;
        await heal.add('heal-agent', { agent, host: host.id, reason, detectedAt: lastBeatAt });
      }
      const hungNames = new Set(hung.map((h) => h.agent));
      for (const key of new Set([...Object.keys(paused), ...alerting])) {
        if (!key.startsWith('agent:') || hungNames.has(key.slice('agent:'.length))) continue;
        const up = (await agentPresence(hub)).some((p) => p.up && `agent:${p.name}` === key);
        if (up) await backUnderCare(agentPatient(key.slice('agent:'.length)), paused, alerting);
      }
    };

    const watch = async () => {
      // Members going while fleetbot stops are not failures: nothing is healed from the first moment of the shutdown.
      if (stopping?.aborted) return;
      // A standby decides nothing until the active replica stops renewing the lease (it died): then within seconds.
      if (!(await lease.hold())) return;
      const [healths, paused, alerting] = await Promise.all([health.all(), state.paused(), state.crashLoopAlerts()]);
      for (const member of members) {
        const h = healths[member.name];
        if (!h || !needsHealing(member, h)) {
          inFlight.delete(member.name);
          if (h?.status !== 'healthy') continue;
          // Stable for a while: the next failure starts the backoff from the beginning again.
          if (Date.now() - h.since > STABLE_MS && streakResetFor.get(member.name) !== h.since) {
            await state.resetStreak(member.name);
            streakResetFor.set(member.name, h.since);
          }
          await backUnderCare(memberPatient(member), paused, alerting);
          continue;
        }
        if (paused[member.name] || Date.now() - (inFlight.get(member.name) ?? 0) < IN_FLIGHT_MS) continue;
        inFlight.set(member.name, Date.now());
        const delay = backoffMs(member, await state.streak(member.name));
        await heal.add('heal', { member: member.name, reason: whatHappened(h), detectedAt: h.since }, { delay });
      }
    };

    const watching = repeat(() => POLL_MS, watch, log);
    // A change is acted on when it is written, not up to a poll later: the poll stays, for a change said while away.
    const changes = health.watchChanges(() => watching.now());
    const watchingAgents = repeat(() => AGENT_POLL_MS, watchHungAgents, log);
    return {
      queue: answers(healQueue, { heal: handle, 'heal-agent': handleAgent }, { concurrency: 8, log, lockDurationMs: 5000 }, (job) => {
        if (job) inFlight.delete(job.name === 'heal-agent' ? agentPatient(job.data.agent).key : job.data.member);
      }),
      ready: watching.ready,
      async stop() {
        await Promise.all([watching.stop(), watchingAgents.stop(), changes.stop()]);
        await within(lease.release(), 1000);
        await within(heal.close(), 1000);
      },
    };
  },
});
