import { createInterface } from 'node:readline';
import Docker from 'dockerode';
import type { DockerConnection } from '../../config/index.js';
import { redactLines } from '../../security/redact.js';
import type { Logger } from '../../telemetry/logger.js';
import { interpolate, memoryBytes, type Member, type Resources } from '../../config/manifest.js';
import { SECRET_CONTEXT_LINES, type FleetBackend, type HealthCheck, type LogOptions, type McpEndpoint, type MemberState } from './index.js';
import { MemberRuns, type MemberRun } from './member-runs.js';

/**
 * The docker backend: each fleet member is a container on the host network, found by its labels — made by compose,
 * or by this backend from the member's image when there is none — and watched through the engine's event stream.
 * Side effects: talks to the Docker engine: creates, starts, stops and removes containers, follows its events.
 */

/**
 * The container's CPU and memory limits and log rotation, from the member's `resources`. Memory and swap together are
 * the memory limit (compose's `memswap_limit` equal to `mem_limit`): past it the engine's OOM killer ends the member
 * and says so (OOMKilled), instead of the member crawling on in swap.
 */
export function containerLimits(resources: Resources): { NanoCpus: number; Memory: number; MemorySwap: number; LogConfig: { Type: string; Config: Record<string, string> } } {
  const memory = memoryBytes(resources.memory);
  return {
    NanoCpus: Math.round(resources.cpus * 1e9),
    Memory: memory,
    MemorySwap: memory,
    LogConfig: { Type: 'json-file', Config: { 'max-size': resources.log_max_size, 'max-file': String(resources.log_max_files) } },
  };
}

export const LABELS = { fleet: 'fleetbot.fleet', member: 'fleetbot.member' } as const;

/** What an engine-backed backend (a Docker engine, a swarm manager) is given. */
export interface EngineBackendOptions {
  members: Member[];
  /** The environment `${VAR}` in fleet.yaml reads, plus run-time values such as REDIS_URL. */
  vars: Readonly<Record<string, string | undefined>>;
  /** The engine (for a swarm: a manager's). */
  connection: DockerConnection;
  /** This fleet's name (its Redis prefix): what the engine holds labelled with another belongs to someone else. */
  fleet: string;
  log: Logger;
  stopTimeoutMs?: number;
}

export type DockerBackendOptions = EngineBackendOptions;

interface Run extends MemberRun {
  id?: string;
  /** Made by this backend (not by compose): removed again by close(). */
  madeHere: boolean;
  running: boolean;
  startedAt?: number;
  /** Set while a stop fleetbot asked for is under way: the die event it causes is expected, not a crash. */
  expectDie: boolean;
  /** The last run ended because fleetbot stopped it. */
  stoppedHere: boolean;
  /** Why the engine could not even make the container (no such image), until it can. */
  unmade?: { at: number; error: string };
}

interface EngineEvent {
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

type EngineError = Error & { statusCode?: number };
class ImageMissingError extends Error {}
const statusOf = (error: unknown) => (error as EngineError).statusCode;
const NEVER = '0001-01-01T00:00:00Z';
const ns = (ms: number) => ms * 1_000_000;

export class DockerBackend extends MemberRuns<Run> implements FleetBackend {
  private readonly docker: Docker;
  private readonly following: Promise<void>;
  private stream?: NodeJS.ReadableStream & { destroy?: () => void };
  private closed = false;

  constructor(private readonly options: DockerBackendOptions) {
    super(options.members, () => ({ madeHere: false, running: false, expectDie: false, stoppedHere: false }));
    this.docker = new Docker(options.connection);
    this.following = this.follow(Date.now());
  }

  async list(): Promise<MemberState[]> {
    return Promise.all([...this.runs.values()].map(async (run) => this.stateOf(run, await this.inspect(run))));
  }

  async logs(name: string, { tail, since }: LogOptions): Promise<string[]> {
    const run = this.run(name);
    const info = await this.inspect(run);
    if (!info) return [];
    const raw = (await this.docker.getContainer(info.Id).logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      // A few lines more than asked for: a multi-line secret starting above the tail is recognised (see below).
      tail: tail + SECRET_CONTEXT_LINES,
      // Whole seconds only: the lines are filtered to the millisecond below.
      ...(since ? { since: Math.floor(since.getTime() / 1000) } : {}),
    })) as unknown as Buffer;
    // Without a TTY the engine multiplexes stdout and stderr into frames; with one it sends the bytes as they came.
    const text = info.Config.Tty ? raw.toString('utf8') : demultiplex(raw);
    const stamped = text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const space = line.indexOf(' ');
        return { at: new Date(line.slice(0, space)), text: line.slice(space + 1) };
      });
    // Redacted as the member wrote it, before fleetbot's stamps go on: a key or seed phrase spans lines.
    const texts = redactLines(stamped.map((l) => l.text));
    // The engine stamps nanoseconds; the process backend's lines carry milliseconds: keep them alike.
    const lines = stamped.map((l, i) => ({ at: l.at, text: `${l.at.toISOString()} ${texts[i]}` }));
    return lines.filter((l) => !since || l.at >= since).slice(-tail).map((l) => l.text);
  }

  endpoint(name: string): McpEndpoint | undefined {
    const run = this.run(name);
    const { member } = run;
    if (!run.running || !run.id || member.kind !== 'mcp' || member.transport !== 'http') return undefined;
    return { instance: `${run.id.slice(0, 12)}@${run.startedAt}`, transport: 'http', url: `http://127.0.0.1:${member.port}${member.path}` };
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.runs.values()].map((run) =>
        this.exclusive(run, async () => {
          if (!run.madeHere || !run.id) return;
          await this.terminate(run);
          await this.docker.getContainer(run.id).remove({ force: true }).catch((error) => this.options.log.warn('cannot remove container', { member: run.member.name, error }));
        }),
      ),
    );
    this.closed = true;
    this.stream?.destroy?.();
    await this.following;
    this.endEvents();
  }

  /** The member's container as the engine sees it now, found by label (and made, if `make`); undefined if none. */
  private async inspect(run: Run, make = false): Promise<Docker.ContainerInspectInfo | undefined> {
    if (run.id) {
      try {
        return this.remember(run, await this.docker.getContainer(run.id).inspect());
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        // Removed behind our back (docker rm, compose down): look again; whatever is found now is someone else's.
        run.id = undefined;
        run.madeHere = false;
      }
    }
    const filters = { label: [`${LABELS.fleet}=${this.options.fleet}`, `${LABELS.member}=${run.member.name}`] };
    const found = await this.docker.listContainers({ all: true, filters });
    // Should there be several (a half-finished compose change), the running one, else the newest, is the member.
    const chosen = found.sort((a, b) => Number(b.State === 'running') - Number(a.State === 'running') || b.Created - a.Created)[0];
    if (chosen) run.id = chosen.Id;
    else if (make) await this.create(run);
    else {
      run.running = false;
      return undefined;
    }
    return this.remember(run, await this.docker.getContainer(run.id!).inspect());
  }

  private remember(run: Run, info: Docker.ContainerInspectInfo): Docker.ContainerInspectInfo {
    run.running = info.State.Running;
    run.startedAt = info.State.Running ? Date.parse(info.State.StartedAt) : undefined;
    return info;
  }

  private stateOf(run: Run, info: Docker.ContainerInspectInfo | undefined): MemberState {
    const state: MemberState = { name: run.member.name, state: 'stopped', restarts: run.restarts };
    if (!info && run.unmade) return { ...state, state: 'exited', lastExit: { code: null, signal: null, ...run.unmade } };
    if (!info) return state;
    const { State } = info;
    if (State.FinishedAt !== NEVER) {
      const error = State.Error || undefined;
      const at = Date.parse(State.FinishedAt);
      const ranMs = State.StartedAt && State.StartedAt !== NEVER ? at - Date.parse(State.StartedAt) : undefined;
      state.lastExit = { code: State.ExitCode, signal: null, at, ranMs, oomKilled: State.OOMKilled || undefined, ...(error ? { error } : {}) };
    }
    if (State.Running) {
      Object.assign(state, { state: 'running', pid: State.Pid, startedAt: Date.parse(State.StartedAt) });
      if (State.Health && State.Health.Status !== 'none') state.check = healthCheckOf(State.Health);
    } else if (State.Status !== 'created' && !run.stoppedHere) {
      state.state = 'exited';
    }
    return state;
  }

  private async create(run: Run): Promise<void> {
    const { member } = run;
    if (!member.image) throw new Error(`${member.name} has no image for the docker backend`);
    const vars = { ...this.options.vars, PORT: member.port === undefined ? undefined : String(member.port) };
    const env = [`FLEETBOT_MEMBER=${member.name}`, ...Object.entries(member.env).map(([key, value]) => `${key}=${interpolate(value, vars)}`)];
    if (vars.PORT) env.push(`PORT=${vars.PORT}`);
    const { health } = member;
    const name = `${this.options.fleet}-${member.name}`;
    try {
      const container = await this.docker.createContainer({
        name,
        Image: member.image,
        Cmd: member.command?.map((word) => interpolate(word, vars)),
        Env: env,
        Labels: { [LABELS.fleet]: this.options.fleet, [LABELS.member]: member.name },
        Healthcheck: health.test
          ? { Test: health.test.map((word) => interpolate(word, vars)), Interval: ns(health.interval), Timeout: ns(health.timeout), Retries: health.retries, StartPeriod: ns(health.start_period) }
          : undefined,
        // No restart policy: the healer restarts, with backoff and a budget; two restarters would fight.
        // Init: Node as PID 1 would ignore SIGTERM; host network: members answer on 127.0.0.1, no bridge needed.
        HostConfig: { NetworkMode: 'host', Init: true, RestartPolicy: { Name: 'no' }, ...containerLimits(member.resources) },
      });
      run.id = container.id;
      run.madeHere = true;
      this.options.log.info('member container created', { member: member.name, container: name, image: member.image });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) throw new ImageMissingError(`image ${member.image} is not on this Docker engine — build or pull it first`);
      if (status !== 409) throw error;
      // Another fleetbot process of this fleet made it a moment ago: use theirs.
      const [theirs] = await this.docker.listContainers({ all: true, filters: { name: [`^/${name}$`] } });
      if (!theirs) throw error;
      run.id = theirs.Id;
    }
  }

  protected async launch(run: Run): Promise<void> {
    await this.following;
    let info: Docker.ContainerInspectInfo | undefined;
    try {
      info = await this.inspect(run, true);
      run.unmade = undefined;
    } catch (error) {
      if (!(error instanceof ImageMissingError)) throw error;
      // As a program that does not exist on the process backend: the member is down and says why; fleetbot runs on.
      run.unmade = { at: Date.now(), error: error.message };
      this.options.log.warn('member cannot start', { member: run.member.name, error: error.message });
      this.emit({ type: 'died', member: run.member.name, at: Date.now(), code: null, signal: null, expected: false, error: error.message });
      return;
    }
    if (info?.State.Running) return;
    run.stoppedHere = false;
    try {
      await this.docker.getContainer(run.id!).start();
    } catch (error) {
      // 304: it was started meanwhile, which is what was asked for.
      if (statusOf(error) !== 304) throw error;
    }
    await this.inspect(run);
    this.options.log.info('member started', { member: run.member.name, container: run.id!.slice(0, 12) });
  }

  protected async terminate(run: Run): Promise<void> {
    const info = await this.inspect(run);
    if (!info?.State.Running) return;
    run.expectDie = true;
    run.stoppedHere = true;
    try {
      await this.docker.getContainer(info.Id).stop({ t: Math.ceil((this.options.stopTimeoutMs ?? 5000) / 1000) });
    } catch (error) {
      // 304: it had stopped by itself meanwhile, and its die event (a crash) is already on its way.
      run.expectDie = false;
      if (statusOf(error) !== 304) throw error;
    }
    await this.inspect(run);
  }

  /** Follows the engine's events for this fleet from `since` (ms), reconnecting without losing or repeating one. */
  private async follow(since: number): Promise<void> {
    let lastNano = since * 1_000_000;
    let opened!: () => void;
    const firstOpen = new Promise<void>((resolve) => (opened = resolve));
    void (async () => {
      while (!this.closed) {
        try {
          const stream = (await this.docker.getEvents({
            since: Math.floor(lastNano / 1e9),
            filters: { type: ['container'], label: [`${LABELS.fleet}=${this.options.fleet}`], event: ['start', 'die', 'health_status'] },
          })) as NodeJS.ReadableStream & { destroy?: () => void };
          this.stream = stream;
          opened();
          for await (const line of createInterface({ input: stream as NodeJS.ReadableStream, crlfDelay: Infinity })) {
            if (!line.trim()) continue;
            const event = JSON.parse(line) as EngineEvent;
            if (event.timeNano <= lastNano) continue; // replayed after a reconnect
            lastNano = event.timeNano;
            await this.onEngineEvent(event);
          }
        } catch (error) {
          if (!this.closed) this.options.log.warn('docker event stream failed; reconnecting', { error });
        }
        opened(); // the engine is away: calls fail on their own meanwhile
        if (!this.closed) await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await firstOpen;
  }

  private async onEngineEvent(event: EngineEvent): Promise<void> {
    const run = this.runs.get(event.Actor.Attributes[LABELS.member] ?? '');
    if (!run || (run.id && run.id !== event.Actor.ID)) return;
    const at = Math.floor(event.timeNano / 1e6);
    const member = run.member.name;
    // The cache endpoint() answers from follows the engine before anyone hears of the change.
    await this.inspect(run).catch(() => undefined);
    if (event.Action === 'start') {
      this.emit({ type: 'started', member, at });
    } else if (event.Action === 'die') {
      const expected = run.expectDie;
      run.expectDie = false;
      const code = Number(event.Actor.Attributes.exitCode ?? NaN);
      this.options.log[expected ? 'info' : 'warn']('member exited', { member, code });
      this.emit({ type: 'died', member, at, code: Number.isNaN(code) ? null : code, signal: null, expected });
    } else if (event.Action.startsWith('health_status: ')) {
      const status = event.Action.slice('health_status: '.length);
      if (status === 'healthy' || status === 'unhealthy') this.emit({ type: status, member, at });
    }
  }
}

function healthCheckOf(health: NonNullable<Docker.ContainerInspectInfo['State']['Health']>): HealthCheck {
  const last = health.Log?.at(-1);
  const status = health.Status === 'healthy' || health.Status === 'unhealthy' ? health.Status : 'starting';
  const failed = last && last.ExitCode !== 0 ? last.Output.trim() || `health check exited with code ${last.ExitCode}` : undefined;
  return {
    status,
    failures: health.FailingStreak,
    ...(failed ? { reason: failed } : {}),
  };
}

/** The engine's log framing without a TTY: an 8-byte header (stream, 3 zero bytes, big-endian length), then the bytes. */
export function demultiplex(buffer: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= buffer.length; ) {
    const length = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}
