import { hostname } from 'node:os';
import { UnrecoverableError } from 'bullmq';
import { agentControlQueue } from '../queues/agent-control.js';
import { closeWorker } from '../queues/stopping.js';
import { startWorker } from '../queues/typed-queue.js';
import { removeHostBeat, writeHostBeat } from '../state/agent-hosts.js';
import { BEAT_MS, readHeartbeat } from '../state/heartbeats.js';
import { PROCESS_INSTANCE } from '../telemetry/instance.js';
import type { AgentDefinition, AgentDeps, RunningAgent } from './agent.js';
import { instanceOf } from './heartbeat.js';

/**
 * The agents of one fleetbot process, and the control of them: the process beats as their host (which agents it
 * runs) and answers its own `agent-control-<process>` queue, where a restart stops one agent gracefully and starts a
 * fresh copy — answered once that copy's first heartbeat is in Redis.
 * Side effects: this process's entry in `<prefix>:agents:hosts`; a BullMQ worker on its control queue (the queue's
 * keys are removed on a clean stop).
 */

/** How long a fresh copy may take to beat for the first time (it beats as it starts). */
const FIRST_BEAT_MS = 2 * BEAT_MS;

export interface AgentHost {
  /** The agents as first started; `ready` of each is its first round of work. */
  started: RunningAgent[];
  /** Stops every agent (the current copies) and the control worker. */
  stop(): Promise<void>;
}

export function hostAgents(deps: AgentDeps, definitions: readonly AgentDefinition[]): AgentHost {
  const { hub, log } = deps;
  const start = (definition: AgentDefinition) => definition.start({ ...deps, log: log.child(definition.name) });
  const running = new Map<string, { definition: AgentDefinition; agent: RunningAgent }>();
  for (const definition of definitions) {
    try {
      running.set(definition.name, { definition, agent: start(definition) });
    } catch (error) {
      // One that cannot start here (e.g. it needs the fleet) fails the whole start: the others do not linger.
      void Promise.all([...running.values()].map((r) => r.agent.stop()));
      throw error;
    }
  }
  const started = [...running.values()].map((r) => r.agent);

  const beat = () =>
    writeHostBeat(hub, { id: PROCESS_INSTANCE, pid: process.pid, host: hostname(), agents: [...running.keys()], beatAt: Date.now() }).catch(() => {
      // Redis is away; the next beat tries again (meanwhile requests for these agents are answered as unreachable).
    });
  void beat();
  const timer = setInterval(beat, BEAT_MS);
  timer.unref();

  /** One restart of an agent at a time: a second waits for the first, then restarts the copy that one started. */
  const restarting = new Map<string, Promise<unknown>>();
  const restart = async (name: string, requestedBy: string) => {
    const slot = running.get(name);
    if (!slot) throw new UnrecoverableError(`this process does not run ${name}`);
    if (deps.stopping?.aborted) throw new UnrecoverableError('this process is stopping');
    const began = Date.now();
    await slot.agent.stop({ restarting: true });
    slot.agent = start(slot.definition);
    log.info('agent restarted', { agent: name, requestedBy });
    for (const deadline = Date.now() + FIRST_BEAT_MS; ; await new Promise((r) => setTimeout(r, 50))) {
      const fresh = await readHeartbeat(hub, instanceOf(name));
      if (fresh && fresh.startedAt >= began) return { agent: name, durationMs: Date.now() - began, startedAt: fresh.startedAt };
      if (Date.now() > deadline) throw new UnrecoverableError(`started a fresh ${name}, but it has not beat within ${FIRST_BEAT_MS / 1000} s`);
    }
  };

  const spec = agentControlQueue(PROCESS_INSTANCE);
  const worker = startWorker(spec, hub, {
    restart: async ({ agent, requestedBy }) => {
      const previous = restarting.get(agent) ?? Promise.resolve();
      const mine = previous.catch(() => {}).then(() => restart(agent, requestedBy));
      restarting.set(agent, mine);
      try {
        return await mine;
      } finally {
        if (restarting.get(agent) === mine) restarting.delete(agent);
      }
    },
  }, { concurrency: 4, log });

  return {
    started,
    async stop() {
      clearInterval(timer);
      await closeWorker(worker, hub);
      await Promise.all([...running.values()].map((r) => r.agent.stop()));
      // A process gone cleanly leaves nothing to ask: its entry and its queue go with it.
      await hub.whileReachable(removeHostBeat(hub, PROCESS_INSTANCE));
      const queue = hub.queue(spec.name);
      await hub.whileReachable(queue.obliterate({ force: true }), 1000);
      await hub.whileReachable(queue.close(), 500);
    },
  };
}
