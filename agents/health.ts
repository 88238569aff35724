import type { Health } from '../mcp-fleet/health.js';
import type { Member } from '../config/manifest.js';
import { fleetStatus } from '../mcp-fleet/status.js';
import { startHeartbeat } from './heartbeat.js';
import { fleetOf, type AgentDefinition, type AgentDeps } from './index.js';

/**
 * The health agent probes every member on its `health.interval` (faster while it starts), reacts at once to the
 * backend's events, keeps the health state in Redis, publishes the fleet status snapshot the monitoring MCP server
 * reads, and reports alerts while a member is down (crashed) or unhealthy — resolved when that clears.
 */

/** Probe interval while a member is starting, like Docker's start_interval. */
const STARTING_INTERVAL_MS = 200;

type Transition = { member: Member; before?: Health; after: Health };

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

export const healthAgent: AgentDefinition = {
  name: 'health',
  description: 'probes every member, keeps health state in Redis, alerts on changes',
  needsFleet: true,
  start(deps: AgentDeps) {
    const { hub, log, health, notify } = deps;
    const fleet = fleetOf(deps);
    const heartbeat = startHeartbeat(hub, 'health');
    const timers = new Map<string, NodeJS.Timeout>();
    const inFlight = new Map<string, Promise<void>>();
    let stopped = false;
    let settleWaiting = new Set(fleet.members.map((m) => m.name));
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (markReady = resolve));

    const publishSnapshot = async () => {
      const [states, healths] = await Promise.all([fleet.backend.list(), health.all()]);
      await hub.client.set(hub.key('fleet-status'), JSON.stringify({ members: fleetStatus(fleet.members, states, healths), at: Date.now() }));
    };

    const schedule = (member: Member, delay: number) => {
      clearTimeout(timers.get(member.name));
      if (!stopped) timers.set(member.name, setTimeout(() => void check(member), delay));
    };

    const check = (member: Member): Promise<void> => {
      const running = inFlight.get(member.name);
      if (running) return running;
      const work = (async () => {
        try {
          const transition = await health.check(member, fleet.backend, fleet.pool);
          heartbeat.count('done');
          for (const alert of alertsFor({ member, ...transition })) await notify.add('alert', alert);
          if (transition.before?.status !== transition.after.status) {
            log.info('health changed', { member: member.name, from: transition.before?.status, to: transition.after.status, reason: transition.after.reason });
          }
          await publishSnapshot();
          if (transition.after.status !== 'starting' && settleWaiting.delete(member.name) && settleWaiting.size === 0) markReady();
          schedule(member, transition.after.status === 'starting' ? STARTING_INTERVAL_MS : member.health.interval);
        } catch (error) {
          heartbeat.count('failed');
          log.warn('health check failed', { member: member.name, error });
          schedule(member, member.health.interval);
        } finally {
          inFlight.delete(member.name);
        }
      })();
      inFlight.set(member.name, work);
      return work;
    };

    // The event stream ends when the backend closes.
    void (async () => {
      for await (const event of fleet.backend.events()) {
        const member = fleet.members.find((m) => m.name === event.member);
        if (member && !stopped) void (inFlight.get(member.name) ?? Promise.resolve()).then(() => check(member));
      }
    })();

    for (const member of fleet.members) void check(member);

    return {
      ready,
      async stop() {
        stopped = true;
        for (const timer of timers.values()) clearTimeout(timer);
        await Promise.all(inFlight.values());
        settleWaiting = new Set();
        markReady();
        await heartbeat.stop();
      },
    };
  },
};
