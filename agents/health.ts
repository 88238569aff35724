import type { Health } from '../mcp-fleet/health.js';
import type { Member } from '../mcp-fleet/manifest.js';
import { fleetStatus } from '../mcp-fleet/status.js';
import { startHeartbeat } from './heartbeat.js';
import type { AgentDefinition, AgentDeps } from './index.js';

/**
 * The health agent probes every member on its `health.interval` (faster while it starts), reacts at once to the
 * backend's events, keeps the health state in Redis, publishes the fleet status snapshot the monitoring MCP server
 * reads, and raises an alert when a member turns unhealthy or dies — resolved when it is healthy again.
 */

/** Probe interval while a member is starting, like Docker's start_interval. */
const STARTING_INTERVAL_MS = 200;

type Transition = { member: Member; before?: Health; after: Health };

function alertFor({ member, before, after }: Transition, firing: Set<string>) {
  const key = `health-${member.name}`;
  const at = after.checkedAt;
  if (after.status === 'healthy' && firing.has(key)) {
    firing.delete(key);
    return { key, status: 'resolved' as const, severity: 'info' as const, member: member.name, title: `${member.name} is healthy again`, at };
  }
  const crashed = after.status === 'down' && after.reason !== 'stopped';
  if ((after.status === 'unhealthy' || crashed) && before?.status !== after.status) {
    firing.add(key);
    return {
      key,
      status: 'firing' as const,
      severity: crashed ? ('critical' as const) : ('warning' as const),
      member: member.name,
      title: `${member.name} is ${after.status}`,
      detail: after.reason,
      at,
    };
  }
  return undefined;
}

export const healthAgent: AgentDefinition = {
  name: 'health',
  description: 'probes every member, keeps health state in Redis, alerts on changes',
  start({ hub, log, fleet, health, notify }: AgentDeps) {
    const heartbeat = startHeartbeat(hub, 'health');
    const firing = new Set<string>();
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
          const alert = alertFor({ member, ...transition }, firing);
          if (alert) await notify.add('alert', alert);
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
