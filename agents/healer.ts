import { DelayedError, type Job } from 'bullmq';
import { formatDuration } from '../config/duration.js';
import type { Health } from '../state/health.js';
import type { Member } from '../config/manifest.js';
import { healQueue } from '../queues/heal.js';
import { within } from '../queues/stopping.js';
import { QueueClient } from '../queues/typed-queue.js';
import { HealState } from '../state/heal-state.js';
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
 */

const POLL_MS = 100;
/** A run this long and healthy resets the backoff, as Docker does after 10 s. */
const STABLE_MS = 10_000;
/** How soon to look again while a dependency is not healthy yet. */
const DEPENDENCY_WAIT_MS = 200;
/** A heal job this healer added but never saw finish (another healer ran it) is forgotten after this. */
const IN_FLIGHT_MS = 60_000;

const crashLoopKey = (member: string) => `crashloop-${member}`;

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
  work({ hub, log, members, health, notify, ops, audit, stopping }) {
    const state = new HealState(hub);
    const heal = new QueueClient(healQueue, hub);
    const byName = new Map(members.map((m) => [m.name, m]));
    const inFlight = new Map<string, number>();

    const finish = async (member: Member, outcome: 'ok' | 'failed', title: string, reason: string, detail?: string) => {
      await state.recordLast(member.name, { at: Date.now(), outcome, detail: title });
      // The health agent's alert this answers, by its title: "alpha is down" or "alpha is unhealthy".
      const answers = `${member.name} is ${reason.startsWith('was unhealthy') ? 'unhealthy' : 'down'}`;
      await notify.add('healing', { member: member.name, action: 'restart', title, detail, answers, at: Date.now() });
      await audit.record({
        at: Date.now(),
        user: { id: 'healer', name: 'healer' },
        via: 'healer',
        channel: 'fleet',
        command: 'heal',
        args: { member: member.name },
        outcome,
        detail: title,
      });
    };

    const handle = async (data: { member: string; reason: string; detectedAt: number; restartRequestedAt?: number }, job: Job, token?: string) => {
      const member = byName.get(data.member);
      if (!member) return { outcome: 'skipped' as const, detail: 'not in the manifest' };
      if (stopping?.aborted) return { outcome: 'skipped' as const, detail: 'fleetbot is stopping' };
      if ((await state.paused())[member.name]) return { outcome: 'skipped' as const, detail: 'auto-restart is paused' };
      const now = await health.get(member.name);
      if (now?.status === 'healthy' && now.since > data.detectedAt) {
        // A healer that died after asking for the restart: the restart happened; say so now.
        if (data.restartRequestedAt) {
          await finish(member, 'ok', `${member.name} ${data.reason} → restarted in ${formatDuration(now.since - data.restartRequestedAt)}, healthy`, data.reason);
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
        const incidents = await state.incident(member.name, member.restart.window);
        if (incidents > member.restart.max_restarts) {
          const title = `${member.name} is crash-looping: ${incidents - 1} restarts in ${formatDuration(member.restart.window)}; auto-restart paused`;
          await state.pauseFor(member.name, { by: 'healer', at: Date.now(), reason: 'crash-loop', detail: title });
          await notify.add('alert', { key: crashLoopKey(member.name), status: 'firing', severity: 'critical', member: member.name, title, detail: data.reason, at: Date.now() });
          await finish(member, 'failed', title, data.reason);
          return { outcome: 'paused' as const, detail: title };
        }
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
      await finish(member, result.healthy ? 'ok' : 'failed', title, data.reason);
      return { outcome: 'restarted' as const, detail: title };
    };

    const lease = new Lease(hub, 'healer');
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
          if (Date.now() - h.since > STABLE_MS) await state.resetStreak(member.name);
          if (paused[member.name]?.reason === 'crash-loop') await state.resume(member.name);
          if (alerting.includes(member.name)) {
            // Brought back (by /restart, /heal resume or itself): under care again, and the crash-loop alert is over.
            await state.crashLoopResolved(member.name);
            await notify.add('alert', { key: crashLoopKey(member.name), status: 'resolved', severity: 'critical', member: member.name, title: `${member.name} is back under care`, at: Date.now() });
          }
          continue;
        }
        if (paused[member.name] || Date.now() - (inFlight.get(member.name) ?? 0) < IN_FLIGHT_MS) continue;
        inFlight.set(member.name, Date.now());
        const delay = backoffMs(member, await state.streak(member.name));
        await heal.add('heal', { member: member.name, reason: whatHappened(h), detectedAt: h.since }, { delay });
      }
    };

    const watching = repeat(() => POLL_MS, watch, log);
    return {
      queue: answers(healQueue, { heal: handle }, { concurrency: 8, log, lockDurationMs: 5000 }, (job) => {
        if (job) inFlight.delete(job.data.member);
      }),
      ready: watching.ready,
      async stop() {
        await watching.stop();
        await within(lease.release(), 1000);
        await within(heal.close(), 1000);
      },
    };
  },
});
