import { constants } from 'node:os';
import { formatDuration } from '../config/duration.js';
import type { Member } from '../config/manifest.js';
import type { Alert } from '../queues/notify.js';
import { redact } from '../security/redact.js';
import { HealState } from '../state/heal-state.js';
import { probeIn, recordProbes, type Probe, type Transition } from '../mcp-fleet/health.js';
import { ClusterUnreachableError } from '../mcp-fleet/backends/index.js';
import { fleetStatus } from '../mcp-fleet/status.js';
import { writeFleetStatus } from '../state/fleet-status.js';
import type { Health } from '../state/health.js';
import { within } from '../queues/stopping.js';
import { fleetOf } from './agent.js';
import { watchAgents } from './agent-watch.js';
import { defineAgent } from './worker-agent.js';

/**
 * The health agent probes every member on its `health.interval` (faster while it starts), in rounds: the members due
 * together are probed side by side, and outcomes that come in together are recorded with one read, one write and one
 * snapshot — so 81 members cost a few Redis round trips every interval, not a few hundred. It reacts at once to the
 * backend's events, keeps the health state in Redis, publishes the fleet status snapshot the monitoring MCP server
 * reads, and reports alerts while a member is down (crashed) or unhealthy — resolved when that clears. It also
 * watches the other agents' heartbeats (agent-watch.ts).
 */

/** 137 → SIGKILL: an engine reports a signal death as 128 + the signal's number. */
function signalName(n: number): string {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? `signal ${n}`;
}

/** Log lines sent with an alert that explains a death or a hang. */
const LOG_TAIL = 20;

/** Probe interval while a member is starting, like Docker's start_interval. */
const STARTING_INTERVAL_MS = 200;

/** A member due this much later than the round's start joins the round: members drift apart no further than this. */
const JOIN_ROUND_MS = 250;
/** Outcomes that come in within this long of each other are recorded together: one read, one write, one snapshot. */
const RECORD_WITHIN_MS = 10;

/**
 * What is true after a check, for the alert book: each problem fires on every check while it lasts (the book counts
 * repeats and reminds after its repeat interval) and resolves when it clears. One alert per member and reason.
 */
function alertsFor({ member, before, after }: Transition) {
  const crashed = after.status === 'down' && after.exit?.crashed === true;
  const problems = [
    { reason: 'down', active: crashed, severity: 'critical' as const, was: before?.status === 'down' },
    { reason: 'unhealthy', active: after.status === 'unhealthy', severity: 'warning' as const, was: before?.status === 'unhealthy' },
  ];
  return problems
    .filter((p) => p.active || p.was)
    .map((p) => ({
      key: `${member.name}-${p.reason}`,
      status: p.active ? ('firing' as const) : ('resolved' as const),
      severity: p.severity,
      member: member.name,
      title: p.active ? `${member.name} is ${p.reason}` : `${member.name} is no longer ${p.reason}`,
      detail: p.active ? after.reason : undefined,
      at: after.checkedAt,
    }));
}

export const healthAgent = defineAgent({
  name: 'health',
  description: 'probes every member, keeps health state in Redis, alerts on changes',
  needsFleet: true,
  work(deps, heartbeat) {
    const { hub, log, health, notify } = deps;
    const fleet = fleetOf(deps);
    const agentWatch = watchAgents({ hub, notify, log: log.child('agents'), self: 'health' });
    let stopped = false;
    let settleWaiting = new Set(fleet.members.map((m) => m.name));
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));

    const healState = new HealState(hub);
    /** What an operator asks next, answered in the alert: how it ended, how long it ran, its restarts, its last lines. */
    const explain = async <A extends Alert>(alert: A, member: Member, after: Health): Promise<A> => {
      const context: string[] = [];
      if (after.status === 'down' && after.exit) {
        const { code, signal, oomKilled, ranMs } = after.exit;
        if (oomKilled) context.push(`out of memory: the engine killed it at its memory limit of ${member.resources.memory} (exit code ${code})`);
        else if (signal === 'SIGKILL') context.push('killed by SIGKILL — by a person, a supervisor, or the kernel\'s OOM killer (the process backend cannot tell which)');
        else if (signal) context.push(`killed by ${signal}`);
        else context.push(`exited with code ${code}${code !== null && code > 128 ? ` (${signalName(code - 128)})` : ''}`);
        if (ranMs !== undefined) context.push(`it had run for ${formatDuration(ranMs)}`);
      } else {
        context.push(`${after.failures} failed probe${after.failures === 1 ? '' : 's'} since ${new Date(after.since).toISOString().slice(11, 19)} UTC (${formatDuration(after.checkedAt - after.since)})`);
      }
      const restarts = await healState.incidents(member.name, member.restart.window).catch(() => undefined);
      if (restarts !== undefined) context.push(`restarts in the last ${formatDuration(member.restart.window)}: ${restarts} of ${member.restart.max_restarts}`);
      let logTail: string | undefined;
      try {
        // Redacted as one text before anything else sees it: a secret can span lines.
        logTail = redact((await fleet.backend.logs(member.name, { tail: LOG_TAIL })).join('\n')) || undefined;
      } catch (error) {
        log.warn('could not read the last log lines for an alert', { member: member.name, error });
      }
      return { ...alert, context, logTail };
    };

    const publishSnapshot = async () => {
      const [states, healths] = await Promise.all([fleet.backend.list(), health.all()]);
      await writeFleetStatus(hub, { members: fleetStatus(fleet.members, states, healths), at: Date.now() });
    };

    /** When each member not being checked is next due. */
    const due = new Map<string, number>();
    /** Each member being checked: until its outcome is recorded. */
    const inFlight = new Map<string, Promise<void>>();
    let timer: NodeJS.Timeout | undefined;

    const plan = () => {
      clearTimeout(timer);
      if (stopped || !due.size) return;
      const soonest = Math.min(...due.values());
      timer = setTimeout(runDue, Math.max(0, soonest - Date.now()));
    };

    const runDue = () => {
      const horizon = Date.now() + JOIN_ROUND_MS;
      const members = fleet.members.filter((m) => (due.get(m.name) ?? Infinity) <= horizon);
      if (members.length) round(members);
      plan();
    };

    const settle = async (transition: Transition) => {
      const { member, before, after } = transition;
      heartbeat.count('done');
      for (const alert of alertsFor(transition)) {
        // A new crash or hang is explained once, when it is first seen: repeats only count.
        const fresh = alert.status === 'firing' && before?.status !== after.status;
        await notify.add('alert', fresh ? await explain(alert, member, after) : alert);
      }
      if (before?.status !== after.status) log.info('health changed', { member: member.name, from: before?.status, to: after.status, reason: after.reason });
    };

    /** Outcomes waiting to be recorded together: those that come in within RECORD_WITHIN_MS of the first. */
    let pending: { member: Member; result: Probe; recorded: () => void }[] = [];
    let recordTimer: NodeJS.Timeout | undefined;
    let recording = Promise.resolve();

    const flush = async (batch: typeof pending) => {
      const next = new Map(batch.map(({ member }) => [member.name, member.health.interval]));
      try {
        // A member stopped by the shutdown is not down: what was probed meanwhile is not recorded.
        if (stopped) return;
        const transitions = await recordProbes(health, batch);
        for (const transition of transitions) {
          try {
            await settle(transition);
          } catch (error) {
            heartbeat.count('failed');
            log.warn('health check failed', { member: transition.member.name, error });
          }
          if (transition.after.status === 'starting') next.set(transition.member.name, STARTING_INTERVAL_MS);
        }
        await publishSnapshot();
        for (const { member, after } of transitions) {
          if (after.status !== 'starting' && settleWaiting.delete(member.name) && settleWaiting.size === 0) markReady();
        }
      } catch (error) {
        for (const _ of batch) heartbeat.count('failed');
        log.warn('health check failed', { members: batch.map((p) => p.member.name), error });
      } finally {
        const now = Date.now();
        for (const { member, recorded } of batch) {
          inFlight.delete(member.name);
          if (!stopped) due.set(member.name, now + next.get(member.name)!);
          recorded();
        }
        plan();
      }
    };

    const record = (member: Member, result: Probe) =>
      new Promise<void>((recorded) => {
        pending.push({ member, result, recorded });
        recordTimer ??= setTimeout(() => {
          recordTimer = undefined;
          const batch = pending;
          pending = [];
          recording = recording.then(() => flush(batch));
        }, RECORD_WITHIN_MS);
      });

    /**
     * One round over `members` (none of them in another round): one look at the backend, the probes side by side,
     * each outcome recorded with those that come in about when it does — a member that answers is not held back by
     * one still starting or hanging until its timeout.
     */
    const round = (members: Member[]) => {
      for (const m of members) due.delete(m.name);
      const states = fleet.backend.list();
      states.catch((error) => {
        // A swarm manager that does not answer is said once, by the backend, and alerted on by the replicas agent.
        if (!(error instanceof ClusterUnreachableError)) log.warn('health check failed', { members: members.map((m) => m.name), error });
      });
      for (const member of members) {
        const work = (async () => {
          let result: Probe;
          try {
            result = await probeIn(member, await states, fleet.pool);
          } catch {
            heartbeat.count('failed');
            inFlight.delete(member.name);
            if (!stopped) due.set(member.name, Date.now() + member.health.interval);
            plan();
            return;
          }
          await record(member, result);
        })();
        inFlight.set(member.name, work);
      }
    };

    /** Checks one member now, after the round it is in if it is in one. */
    const checkNow = async (member: Member): Promise<void> => {
      for (let running = inFlight.get(member.name); running; running = inFlight.get(member.name)) await running;
      if (stopped) return;
      round([member]);
      await inFlight.get(member.name);
    };

    // The event stream ends when the backend closes.
    void (async () => {
      for await (const event of fleet.backend.events()) {
        const member = fleet.members.find((m) => m.name === event.member);
        if (member && !stopped) void checkNow(member);
      }
    })();

    round([...fleet.members]);
    // A member stopped by the shutdown is not down: no more probes, no alerts about it.
    deps.stopping?.addEventListener('abort', () => {
      stopped = true;
      clearTimeout(timer);
    });

    return {
      ready,
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await within(Promise.all(inFlight.values()), 2000);
        settleWaiting = new Set();
        markReady();
        await agentWatch.stop();
      },
    };
  },
});
