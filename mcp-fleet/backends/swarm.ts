import Docker from 'dockerode';
import { interpolate } from '../../config/manifest.js';
import { replicaPort } from '../ports.js';
import { demultiplex, LABELS, type EngineBackendOptions } from './docker.js';
import { ClusterUnreachableError, type ClusterBackend, type LogOptions, type McpEndpoint, type MemberState, type NodeState, type TaskRef, type TaskState } from './index.js';
import { MemberRuns, type MemberRun } from './member-runs.js';

/**
 * The swarm backend: each fleet member is a Docker Swarm service on the host network, found by its labels — made by
 * `docker stack deploy`, or by this backend from the member's image — with `replicas` tasks spread over the nodes.
 * The engine restarts tasks that exit and reschedules those of a node that goes down; this backend reports what it
 * sees (tasks, nodes, the engine's reasons), turns task changes into fleet events, scales, and restarts by a rolling
 * update. A replica listens on its member's port plus its task slot minus one (nodes may share a host network).
 * Side effects: talks to a swarm manager: creates, updates and removes services, updates nodes; polls tasks.
 */

export interface SwarmBackendOptions extends EngineBackendOptions {
  /** How often the tasks are read (the engine's API has no task events). */
  pollMs?: number;
  /** The engine's delay before it restarts an exited task. */
  restartDelayMs?: number;
}

interface Run extends MemberRun {
  serviceId?: string;
  /** Made by this backend (not by a stack deploy): removed again by close(). */
  madeHere: boolean;
  /** Replicas wanted while the member is started: the manifest's, then the last /scale. */
  wanted: number;
  tasks: TaskState[];
  desired: number;
  /** Why the engine could not even make the service, until it can. */
  unmade?: { at: number; error: string };
  /** Engine errors already reported as events, so each is said once. */
  reported: Set<string>;
}

type EngineError = Error & { statusCode?: number; json?: { message?: string } };
const statusOf = (error: unknown) => (error as EngineError).statusCode;
const messageOf = (error: unknown) => (error as EngineError).json?.message ?? (error as Error).message;
const ns = (ms: number) => ms * 1_000_000;
/** Task states after which a task never runs again. */
const FINAL = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);
const UPDATE_TIMEOUT_MS = 60_000;

/** `1.5g`, `256m`, `512k` (compose's memory notation) in bytes. */
export function memoryBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(text.trim());
  if (!match) throw new Error(`not a memory size: ${text}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(match[1]) * unit);
}

export class SwarmBackend extends MemberRuns<Run> implements ClusterBackend {
  readonly cluster = true;
  private readonly docker: Docker;
  private readonly nodeNames = new Map<string, NodeState>();
  private previous = new Map<string, { state: string; desired: string; member: string }>();
  private baseline = true;
  private closed = false;
  private readonly polling: Promise<void>;
  private refreshing?: Promise<void>;
  /** Since when the manager has not answered, and why; undefined while it answers. */
  private unreachable?: { since: number; reason: string };

  constructor(private readonly options: SwarmBackendOptions) {
    super(options.members, (member) => ({ madeHere: false, wanted: member.replicas, tasks: [], desired: 0, reported: new Set<string>() }));
    this.docker = new Docker(options.connection);
    this.polling = this.poll();
  }

  /**
   * Reads services, tasks and nodes once; concurrent callers share one read. While the manager does not answer, every
   * caller gets one ClusterUnreachableError saying since when; it is logged once when it starts and once when it ends.
   */
  private refresh(): Promise<void> {
    this.refreshing ??= this.read()
      .then(
        () => {
          if (!this.unreachable) return;
          this.options.log.info('swarm manager answers again', { after: `${((Date.now() - this.unreachable.since) / 1000).toFixed(1)} s` });
          this.unreachable = undefined;
        },
        (error) => {
          if (!this.unreachable) {
            this.unreachable = { since: Date.now(), reason: messageOf(error) };
            if (!this.closed) this.options.log.warn('swarm manager does not answer', { error: this.unreachable.reason });
          }
          throw new ClusterUnreachableError(this.where, this.unreachable.since, this.unreachable.reason);
        },
      )
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Where the manager is, as DOCKER_HOST says it. */
  private get where(): string {
    const c = this.options.connection;
    return 'socketPath' in c ? `unix://${c.socketPath}` : `${c.protocol}://${c.host}:${c.port}`;
  }

  private async poll(): Promise<void> {
    while (!this.closed) {
      // refresh() says it when the manager stops answering, once.
      await this.refresh().catch(() => {});
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 250));
    }
  }

  private async read(): Promise<void> {
    const services = await this.docker.listServices({ filters: { label: [`${LABELS.fleet}=${this.options.fleet}`] } });
    const byMember = new Map<string, Docker.Service>();
    for (const service of services as unknown as ServiceInfo[]) {
      const member = service.Spec.Labels?.[LABELS.member];
      if (member && this.runs.has(member)) byMember.set(member, service as unknown as Docker.Service);
    }
    const ids = [...byMember.values()].map((s) => (s as unknown as ServiceInfo).ID);
    const [tasks, nodes] = await Promise.all([
      ids.length ? (this.docker.listTasks({ filters: { service: ids } }) as Promise<TaskInfo[]>) : Promise.resolve([] as TaskInfo[]),
      this.docker.listNodes() as Promise<NodeInfo[]>,
    ]);
    this.nodeNames.clear();
    for (const node of nodes) this.nodeNames.set(node.ID, nodeStateOf(node, 0));
    for (const run of this.runs.values()) {
      const service = byMember.get(run.member.name) as unknown as ServiceInfo | undefined;
      run.serviceId = service?.ID;
      run.desired = service?.Spec.Mode?.Replicated?.Replicas ?? 0;
      run.tasks = service ? latestPerSlot(tasks.filter((t) => t.ServiceID === service.ID)).map((t) => this.taskStateOf(t)) : [];
    }
    for (const task of tasks) {
      const node = this.nodeNames.get(task.NodeID);
      if (node && task.Status.State === 'running' && task.DesiredState === 'running') node.tasks++;
    }
    this.diff(tasks, byMember);
  }

  private taskStateOf(task: TaskInfo): TaskState {
    const node = this.nodeNames.get(task.NodeID);
    const exitCode = task.Status.ContainerStatus?.ExitCode;
    return {
      id: task.ID,
      ...(task.Slot ? { slot: task.Slot } : {}),
      node: task.NodeID ? `${node?.hostname ?? 'node'} (${task.NodeID.slice(0, 12)})` : 'unassigned',
      nodeId: task.NodeID ?? '',
      state: task.Status.State,
      desired: task.DesiredState,
      since: Date.parse(task.Status.Timestamp),
      ...(task.Status.Err ? { error: task.Status.Err } : {}),
      ...(FINAL.has(task.Status.State) && exitCode !== undefined ? { exitCode } : {}),
    };
  }

  /** Task changes since the last read, as fleet events: a replica started, died, or cannot run (and why, once). */
  private diff(tasks: TaskInfo[], services: Map<string, Docker.Service>): void {
    const memberOf = new Map([...services].map(([member, s]) => [(s as unknown as ServiceInfo).ID, member]));
    const next = new Map<string, { state: string; desired: string; member: string }>();
    for (const task of tasks) {
      const member = memberOf.get(task.ServiceID);
      if (!member) continue;
      const { State: state, Err: error } = task.Status;
      next.set(task.ID, { state, desired: task.DesiredState, member });
      if (this.baseline) continue;
      const before = this.previous.get(task.ID);
      const at = Date.parse(task.Status.Timestamp);
      const ref: TaskRef = { id: task.ID, node: this.taskStateOf(task).node, ...(task.Slot ? { slot: task.Slot } : {}) };
      if (state === 'running' && before?.state !== 'running') this.emit({ type: 'started', member, at, task: ref });
      else if (FINAL.has(state) && before && !FINAL.has(before.state)) {
        // Shut down by the engine (scale, update, restart) or told to stop before it ended: not a crash. Failed,
        // complete or rejected while it was meant to run: it ended by itself.
        const expected = before.desired !== 'running' || state === 'shutdown';
        const code = task.Status.ContainerStatus?.ExitCode ?? null;
        const wasRunning = before.state === 'running';
        // The engine restarts a replica that ended by itself: count it as a restart of the member.
        if (wasRunning && !expected) this.runs.get(member)!.restarts++;
        if (wasRunning || error) {
          this.options.log[expected ? 'info' : 'warn']('replica ended', { member, node: ref.node, state, code, error });
          this.emit({ type: 'died', member, at, code, signal: null, expected, task: ref, ...(error && !wasRunning ? { error } : {}) });
        }
      }
      // A task the engine cannot place says why while it waits: once per member and reason, not once per poll.
      const run = this.runs.get(member)!;
      if (error && !FINAL.has(state) && task.DesiredState === 'running' && !run.reported.has(error)) {
        run.reported.add(error);
        this.emit({ type: 'died', member, at, code: null, signal: null, expected: false, error, task: ref });
      }
      if (state === 'running') run.reported.clear();
    }
    this.previous = next;
    this.baseline = false;
  }

  async list(): Promise<MemberState[]> {
    await this.refresh();
    return [...this.runs.values()].map((run) => this.stateOf(run));
  }

  private stateOf(run: Run): MemberState {
    const base: MemberState = { name: run.member.name, state: 'stopped', restarts: run.restarts };
    if (!run.serviceId) return run.unmade ? { ...base, state: 'exited', lastExit: { code: null, signal: null, ...run.unmade } } : base;
    const running = run.tasks.filter((t) => t.state === 'running' && t.desired === 'running');
    const shown = run.tasks.filter((t) => t.desired === 'running' || t.state === 'running' || Date.now() - t.since < 60_000);
    const replicas = { desired: run.desired, running: running.length, tasks: shown };
    const failed = run.tasks.filter((t) => t.error || (t.exitCode !== undefined && t.state !== 'shutdown')).sort((a, b) => b.since - a.since)[0];
    const lastExit = failed ? { code: failed.exitCode ?? null, signal: null, at: failed.since, ...(failed.error ? { error: failed.error } : {}) } : undefined;
    if (running.length) {
      // The member is up since its oldest replica: one replica replaced is not a new run of the member.
      return { ...base, state: 'running', startedAt: Math.min(...running.map((t) => t.since)), replicas, ...(lastExit ? { lastExit } : {}) };
    }
    if (run.desired === 0) return { ...base, replicas };
    // Wanted but not running: the engine is starting it, or cannot (the reason is in the newest task's error).
    const pending = run.tasks.find((t) => t.desired === 'running' && t.error);
    const why = pending ? { code: null, signal: null, at: pending.since, error: pending.error } : lastExit;
    return { ...base, state: why ? 'exited' : 'stopped', replicas, ...(why ? { lastExit: why } : {}) };
  }

  endpoint(name: string): McpEndpoint | undefined {
    return this.endpoints(name)[0];
  }

  endpoints(name: string): McpEndpoint[] {
    const run = this.run(name);
    const { member } = run;
    if (member.kind !== 'mcp' || member.transport !== 'http' || member.port === undefined) return [];
    return run.tasks
      .filter((t) => t.state === 'running' && t.desired === 'running')
      .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0))
      .map((t) => ({ instance: t.id, transport: 'http' as const, url: `http://127.0.0.1:${replicaPort(member.port!, t.slot)}${member.path}` }));
  }

  async logs(name: string, { tail, since }: LogOptions): Promise<string[]> {
    const run = this.run(name);
    await this.refresh();
    if (!run.serviceId) return [];
    const raw = (await this.docker.getService(run.serviceId).logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      tail,
      ...(since ? { since: Math.floor(since.getTime() / 1000) } : {}),
    } as never)) as unknown as Buffer;
    // Every replica's lines, in one timeline.
    const lines = demultiplex(raw)
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const space = line.indexOf(' ');
        const at = new Date(line.slice(0, space));
        return { at, text: `${at.toISOString()} ${line.slice(space + 1)}` };
      })
      .filter((l) => !Number.isNaN(l.at.getTime()) && (!since || l.at >= since))
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    return lines.slice(-tail).map((l) => l.text);
  }

  protected async launch(run: Run): Promise<void> {
    await this.refresh();
    if (!run.serviceId) {
      try {
        await this.create(run);
        run.unmade = undefined;
      } catch (error) {
        run.unmade = { at: Date.now(), error: messageOf(error) };
        this.options.log.warn('member cannot start', { member: run.member.name, error: run.unmade.error });
        this.emit({ type: 'died', member: run.member.name, at: Date.now(), code: null, signal: null, expected: false, error: run.unmade.error });
        return;
      }
    } else if (run.desired !== run.wanted) {
      await this.update(run, (spec) => {
        spec.Mode = { Replicated: { Replicas: run.wanted } };
      });
      // Started once a replica runs: the engine schedules the tasks a moment later, and until then the member reads as
      // stopped — a /start (or the restart of a stopped member) would report "not healthy: stopped" at once.
      if (run.wanted > 0) await this.until(run, () => run.tasks.some((t) => t.state === 'running' && t.desired === 'running'), 'a replica to run');
    }
    await this.refresh();
  }

  protected async terminate(run: Run): Promise<void> {
    await this.refresh();
    if (!run.serviceId || run.desired === 0) return;
    await this.update(run, (spec) => {
      spec.Mode = { Replicated: { Replicas: 0 } };
    });
    await this.until(run, () => run.tasks.every((t) => t.state !== 'running'), 'its tasks to stop');
  }

  /** A rolling restart: the engine replaces the tasks one at a time (the member's `update` settings). */
  override restart(name: string): Promise<void> {
    const run = this.run(name);
    return this.exclusive(run, async () => {
      await this.refresh();
      if (!run.serviceId || run.desired === 0) return this.launch(run);
      const before = new Set(run.tasks.filter((t) => t.state === 'running').map((t) => t.id));
      // No replica runs: the engine is replacing them already; a second restarter would only get in its way.
      if (before.size > 0) {
        await this.update(run, (spec) => {
          spec.TaskTemplate.ForceUpdate = (spec.TaskTemplate.ForceUpdate ?? 0) + 1;
        });
        run.restarts++;
      }
      // Done when every wanted replica is a new task that runs.
      await this.until(
        run,
        () => {
          const running = run.tasks.filter((t) => t.state === 'running' && t.desired === 'running');
          return running.length >= run.desired && running.every((t) => !before.has(t.id));
        },
        'the rolling restart',
      );
    });
  }

  scale(name: string, replicas: number): Promise<void> {
    const run = this.run(name);
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > run.member.max_replicas) {
      return Promise.reject(new RangeError(`${name} scales from 0 to ${run.member.max_replicas} replicas (max_replicas)`));
    }
    return this.exclusive(run, async () => {
      run.wanted = replicas;
      await this.refresh();
      if (!run.serviceId) return this.launch(run);
      await this.update(run, (spec) => {
        spec.Mode = { Replicated: { Replicas: replicas } };
      });
      await this.refresh();
    });
  }

  async replaceTask(name: string, taskId: string): Promise<void> {
    const run = this.run(name);
    await this.refresh();
    const task = (await this.docker.getTask(taskId).inspect().catch(() => undefined)) as TaskInfo | undefined;
    const container = task?.Status.ContainerStatus?.ContainerID;
    if (container) {
      try {
        // On the node fleetbot talks to, the one container can go: the engine starts a new task in its place.
        await this.docker.getContainer(container).remove({ force: true });
        this.options.log.info('replica removed for replacement', { member: name, task: taskId });
        return;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    // On another node the manager cannot reach the container: a rolling restart replaces every task, one at a time.
    this.options.log.info('replica on another node: rolling restart instead', { member: name, task: taskId });
    await this.exclusive(run, () =>
      this.update(run, (spec) => {
        spec.TaskTemplate.ForceUpdate = (spec.TaskTemplate.ForceUpdate ?? 0) + 1;
      }),
    );
  }

  async nodes(): Promise<NodeState[]> {
    await this.refresh();
    return [...this.nodeNames.values()].sort((a, b) => Number(b.role === 'manager') - Number(a.role === 'manager') || a.address.localeCompare(b.address));
  }

  async setAvailability(node: string, availability: NodeState['availability']): Promise<NodeState> {
    const nodes = await this.nodes();
    const matches = nodes.filter((n) => n.id === node || n.id.startsWith(node) && node.length >= 6 || n.address === node || n.hostname === node);
    if (matches.length === 0) throw new RangeError(`no node "${node}": ${nodes.map((n) => `${n.hostname} (${n.address}, ${n.id.slice(0, 12)})`).join(', ')}`);
    if (matches.length > 1) throw new RangeError(`"${node}" names ${matches.length} nodes: say which by address or id (${matches.map((n) => `${n.address} ${n.id.slice(0, 12)}`).join(', ')})`);
    const target = this.docker.getNode(matches[0]!.id);
    const info = (await target.inspect()) as NodeInfo;
    await target.update({ version: info.Version.Index, ...info.Spec, Availability: availability });
    this.previous.clear();
    this.baseline = true;
    await this.refresh();
    return this.nodeNames.get(matches[0]!.id)!;
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.runs.values()].map((run) =>
        this.exclusive(run, async () => {
          if (!run.madeHere || !run.serviceId) return;
          await this.docker
            .getService(run.serviceId)
            .remove()
            .catch((error) => this.options.log.warn('cannot remove service', { member: run.member.name, error: messageOf(error) }));
        }),
      ),
    );
    this.closed = true;
    await this.polling;
    this.endEvents();
  }

  private async create(run: Run): Promise<void> {
    const { member } = run;
    if (!member.image) throw new Error(`${member.name} has no image for the swarm backend`);
    const vars = { ...this.options.vars, PORT: member.port === undefined ? undefined : String(member.port) };
    const env = [`FLEETBOT_MEMBER=${member.name}`, ...Object.entries(member.env).map(([key, value]) => `${key}=${interpolate(value, vars)}`)];
    // The engine fills in the slot per task: each replica listens on PORT + slot - 1.
    if (vars.PORT) env.push(`PORT=${vars.PORT}`, 'FLEETBOT_TASK_SLOT={{.Task.Slot}}');
    const { health, placement, resources, update } = member;
    const labels = { [LABELS.fleet]: this.options.fleet, [LABELS.member]: member.name };
    const spec = {
      Name: `${this.options.fleet}-${member.name}`,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: member.image,
          Args: member.command?.map((word) => interpolate(word, vars)),
          Env: env,
          Labels: labels,
          // Node as PID 1 would ignore SIGTERM: every scale-down would wait out the grace period.
          Init: true,
          StopGracePeriod: ns(this.options.stopTimeoutMs ?? 5000),
          ...(health.test
            ? { Healthcheck: { Test: health.test.map((word) => interpolate(word, vars)), Interval: ns(health.interval), Timeout: ns(health.timeout), Retries: health.retries, StartPeriod: ns(health.start_period) } }
            : {}),
        },
        // Host networking: members answer on 127.0.0.1 of their node; no overlay network, no routing mesh.
        Networks: [{ Target: 'host' }],
        // The engine restarts tasks that exit; fleetbot replaces the ones that hang and counts crash loops.
        RestartPolicy: { Condition: 'any', Delay: ns(this.options.restartDelayMs ?? 200), MaxAttempts: 0 },
        Placement: {
          Constraints: placement?.constraints ?? [],
          Preferences: (placement?.preferences ?? []).map((p) => ({ Spread: { SpreadDescriptor: p.spread } })),
        },
        Resources: {
          Limits: resourcesOf(resources),
        },
      },
      Mode: { Replicated: { Replicas: run.wanted } },
      UpdateConfig: { Parallelism: update.parallelism, Delay: ns(update.delay), Order: update.order, FailureAction: 'pause', Monitor: ns(update.monitor) },
    };
    try {
      // No registry query: a node uses the image it has (or its own registry), and never asks anyone else.
      const created = (await this.docker.createService(spec as unknown as Docker.CreateServiceOptions)) as unknown as { id?: string; ID?: string };
      run.serviceId = created.id ?? created.ID;
      run.madeHere = true;
      this.options.log.info('member service created', { member: member.name, service: spec.Name, image: member.image, replicas: run.wanted });
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      // Another fleetbot process of this fleet made it a moment ago: use theirs.
      await this.refresh();
      if (!run.serviceId) throw error;
    }
  }

  /** Changes the service's spec (the engine wants the version it was read at; a concurrent change means read again). */
  private async update(run: Run, change: (spec: ServiceSpec) => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const service = this.docker.getService(run.serviceId!);
      const info = (await service.inspect()) as ServiceInfo;
      const spec = structuredClone(info.Spec);
      change(spec);
      try {
        await service.update({ version: info.Version.Index, ...spec } as unknown as Docker.ServiceSpec);
        return;
      } catch (error) {
        if (attempt >= 3 || !/update out of sequence/i.test(messageOf(error))) throw error;
      }
    }
  }

  private async until(run: Run, done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + UPDATE_TIMEOUT_MS;
    for (;;) {
      await this.refresh();
      if (done()) return;
      if (this.closed) throw new Error(`${run.member.name}: the fleet is closing`);
      if (Date.now() > deadline) throw new Error(`${run.member.name}: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function resourcesOf(resource: { cpus?: number; memory?: string }) {
  return {
    ...(resource.cpus ? { NanoCPUs: Math.round(resource.cpus * 1e9) } : {}),
    ...(resource.memory ? { MemoryBytes: memoryBytes(resource.memory) } : {}),
  };
}

function nodeStateOf(node: NodeInfo, tasks: number): NodeState {
  // A manager often reports 0.0.0.0 as its own address; its manager address says where it listens.
  const address = node.Status.Addr && node.Status.Addr !== '0.0.0.0' ? node.Status.Addr : (node.ManagerStatus?.Addr?.split(':')[0] ?? node.Status.Addr ?? '');
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? node.ID.slice(0, 12),
    address,
    role: node.Spec.Role === 'manager' ? 'manager' : 'worker',
    state: node.Status.State,
    availability: node.Spec.Availability,
    leader: node.ManagerStatus?.Leader === true,
    tasks,
  };
}

/** The newest task of each slot: the engine keeps a few finished ones per slot as history. */
function latestPerSlot(tasks: TaskInfo[]): TaskInfo[] {
  const bySlot = new Map<number | string, TaskInfo>();
  for (const task of tasks) {
    const key = task.Slot ?? task.ID;
    const seen = bySlot.get(key);
    if (!seen || task.Version.Index > seen.Version.Index) bySlot.set(key, task);
  }
  return [...bySlot.values()].sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0));
}

/** What this backend reads of the engine's service, task and node objects. */
interface ServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: { ForceUpdate?: number } & Record<string, unknown>;
  Mode?: { Replicated?: { Replicas?: number } };
}
interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: ServiceSpec;
}
interface TaskInfo {
  ID: string;
  ServiceID: string;
  NodeID: string;
  Slot?: number;
  DesiredState: string;
  Version: { Index: number };
  Status: { Timestamp: string; State: string; Message?: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}
interface NodeInfo {
  ID: string;
  Version: { Index: number };
  Spec: { Role: string; Availability: NodeState['availability']; Labels?: Record<string, string> };
  Description?: { Hostname?: string };
  Status: { State: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Addr?: string };
}
