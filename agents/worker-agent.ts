import type { Job, Worker } from 'bullmq';
import type { RedisHub } from '../redis/hub.js';
import { startWorker, type Handlers, type JobSpec, type QueueSpec, type WorkerOptions } from '../queues/typed-queue.js';
import { closeWorker, within } from '../queues/stopping.js';
import type { Logger } from '../telemetry/logger.js';
import type { AgentDefinition, AgentDeps } from './agent.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';

/**
 * The base every agent is built on: a heartbeat from start to stop, the queue it answers (if any) counted by that
 * heartbeat, its own work besides (loops, timers), `ready` when both are, and one stop that ends them in order.
 */

/** The queue an agent answers; `settled` hears every job that completed or failed. */
export interface QueueWork {
  start(hub: RedisHub): Worker;
  settled?(job: Job | undefined): void;
}

export function answers<J extends Record<string, JobSpec>>(spec: QueueSpec<J>, handlers: Handlers<J>, options: WorkerOptions, settled?: (job: Job | undefined) => void): QueueWork {
  return { start: (hub) => startWorker(spec, hub, handlers, options), settled };
}

export interface AgentWork {
  queue?: QueueWork;
  /** Resolves when the agent's own work has done its first round (default: at once). */
  ready?: Promise<void>;
  /** Ends the agent's own work (loops, timers, clients); the queue's worker closes after it. */
  stop?(): Promise<void>;
}

export interface AgentSpec {
  name: string;
  description: string;
  /** Runs against the fleet's processes and MCP sessions, so it must live where the fleet runs. */
  needsFleet?: boolean;
  work(deps: AgentDeps, heartbeat: Heartbeat): AgentWork;
}

export function defineAgent({ name, description, needsFleet = false, work }: AgentSpec): AgentDefinition {
  return {
    name,
    description,
    needsFleet,
    start(deps) {
      const heartbeat = startHeartbeat(deps.hub, name);
      let own: AgentWork;
      try {
        own = work(deps, heartbeat);
      } catch (error) {
        // It never ran (e.g. no fleet here): no heartbeat may say it is alive.
        void heartbeat.stop();
        throw error;
      }
      const worker = own.queue?.start(deps.hub);
      const settled = (outcome: 'done' | 'failed') => (job: Job | undefined) => {
        own.queue?.settled?.(job);
        heartbeat.count(outcome);
      };
      worker?.on('completed', settled('done'));
      worker?.on('failed', settled('failed'));
      return {
        ready: Promise.all([own.ready, worker?.waitUntilReady()]).then(() => undefined),
        async stop(how) {
          // Bounded, Redis up or down (queues/stopping.ts): jobs in hand finish within the grace, or are handed back.
          await within(own.stop?.() ?? Promise.resolve(), 2000);
          if (worker) await closeWorker(worker, deps.hub);
          await heartbeat.stop(how);
        },
      };
    },
  };
}

/**
 * Runs `round` now (or, `later`, after a first wait) and again `everyMs` after each round ends, until stopped. A round
 * that throws is logged and the loop goes on; `ready` resolves after the first round (at once when `later`).
 */
export function repeat(everyMs: () => number, round: () => Promise<void>, log: Logger, { later = false } = {}): Required<Omit<AgentWork, 'queue'>> & { now(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  /** Asked for `now` while a round ran: one more round right after it. */
  let again = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const tick = async () => {
    try {
      await round();
    } catch (error) {
      log.warn('round failed', { error });
    } finally {
      markReady();
      running = undefined;
      const delay = again ? 0 : everyMs();
      again = false;
      if (!stopped) timer = setTimeout(() => (running = tick()), delay);
    }
  };
  if (later) {
    markReady();
    timer = setTimeout(() => (running = tick()), everyMs());
  } else {
    running = tick();
  }
  return {
    ready,
    /** A round at once (or right after the one running), instead of at its time: something it watches changed. */
    now() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      clearTimeout(timer);
      running = tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await within(running ?? Promise.resolve(), 2000);
    },
  };
}
