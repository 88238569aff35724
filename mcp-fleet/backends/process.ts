import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { redactLines } from '../../security/redact.js';
import type { Logger } from '../../telemetry/logger.js';
import { interpolate, type Member } from '../../config/manifest.js';
import { freePort } from '../ports.js';
import { SECRET_CONTEXT_LINES, type FleetBackend, type LogOptions, type McpEndpoint, type MemberState } from './index.js';
import { MemberRuns, type MemberRun } from './member-runs.js';

/**
 * The process backend: each fleet member is a child process of fleetbot.
 * Side effects: spawns and signals processes (each in its own process group, so helpers they start go too).
 */

// Variables a child inherits from fleetbot; everything else must be named in the member's `env`, so secrets
// such as DISCORD_TOKEN never leak into fleet members by accident.
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

export interface ProcessBackendOptions {
  members: Member[];
  /** The environment `${VAR}` in fleet.yaml reads, plus run-time values such as REDIS_URL. */
  vars: Readonly<Record<string, string | undefined>>;
  cwd: string;
  log: Logger;
  logLines?: number;
  stopTimeoutMs?: number;
}

class LogRing {
  private readonly lines: { at: number; text: string }[] = [];
  constructor(private readonly capacity: number) {}
  push(text: string) {
    this.lines.push({ at: Date.now(), text });
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }
  tail({ tail, since }: LogOptions): string[] {
    const first = since ? this.lines.findIndex((l) => l.at >= since.getTime()) : 0;
    if (first === -1 || tail <= 0) return [];
    const from = Math.max(first, this.lines.length - tail);
    // Redacted as the member wrote it, before the timestamps go on: a key or a seed phrase spans lines, and the
    // lines just above the tail are read too, so a secret whose first line is not shown is still recognised.
    const window = this.lines.slice(Math.max(0, from - SECRET_CONTEXT_LINES));
    const texts = redactLines(window.map((l) => l.text));
    const skip = window.length - (this.lines.length - from);
    return window.slice(skip).map((l, i) => `${new Date(l.at).toISOString()} ${texts[skip + i]}`);
  }
}

interface Run extends MemberRun {
  child?: ChildProcess;
  startedAt?: number;
  lastExit?: MemberState['lastExit'];
  port?: number;
  stopping: boolean;
  logs: LogRing;
}

/** The package's own CLI, so that `fleetbot` as a member's first word runs this very program. */
function fleetbotEntry(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'bin', 'fleetbot.js'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find bin/fleetbot.js above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return path.join(dir, 'bin', 'fleetbot.js');
}

export class ProcessBackend extends MemberRuns<Run> implements FleetBackend {
  private readonly killAllOnExit = () => {
    for (const run of this.runs.values()) signalGroup(run.child, 'SIGKILL');
  };

  constructor(private readonly options: ProcessBackendOptions) {
    super(options.members, () => ({ stopping: false, logs: new LogRing(options.logLines ?? 5000) }));
    // Last resort if fleetbot exits without its orderly shutdown: never leave members behind.
    process.on('exit', this.killAllOnExit);
  }

  async list(): Promise<MemberState[]> {
    return [...this.runs.values()].map((run) => ({
      name: run.member.name,
      state: isAlive(run.child) ? 'running' : run.lastExit && !run.stopping && run.child ? 'exited' : 'stopped',
      pid: isAlive(run.child) ? run.child?.pid : undefined,
      startedAt: isAlive(run.child) ? run.startedAt : undefined,
      restarts: run.restarts,
      lastExit: run.lastExit,
    }));
  }

  async logs(name: string, opts: LogOptions): Promise<string[]> {
    return this.run(name).logs.tail(opts);
  }

  endpoint(name: string): McpEndpoint | undefined {
    const run = this.run(name);
    if (!isAlive(run.child) || run.member.kind !== 'mcp') return undefined;
    const instance = `${run.child!.pid}@${run.startedAt}`;
    if (run.member.transport === 'http') return { instance, transport: 'http', url: `http://127.0.0.1:${run.port}${run.member.path}` };
    return { instance, transport: 'stdio', input: run.child!.stdin!, output: run.child!.stdout! };
  }

  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => this.exclusive(run, () => this.terminate(run))));
    process.off('exit', this.killAllOnExit);
    this.endEvents();
  }

  protected async launch(run: Run): Promise<void> {
    if (isAlive(run.child)) return;
    const { member } = run;
    if (!member.command) throw new Error(`${member.name} has no command for the process backend`);
    if (member.transport === 'http' && member.kind === 'mcp') run.port ??= member.port ?? (await freePort());
    const vars = { ...this.options.vars, PORT: run.port === undefined ? undefined : String(run.port) };
    const [program, ...args] = member.command.map((word) => interpolate(word, vars));
    const argv = program === 'fleetbot' ? [process.execPath, fleetbotEntry(), ...args] : [program!, ...args];
    const env: Record<string, string> = { FLEETBOT_MEMBER: member.name };
    for (const key of INHERITED) if (this.options.vars[key] !== undefined) env[key] = this.options.vars[key]!;
    for (const [key, value] of Object.entries(member.env)) env[key] = interpolate(value, vars);
    if (vars.PORT) env.PORT = vars.PORT;

    run.stopping = false;
    const child = spawn(argv[0]!, argv.slice(1), { cwd: this.options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    run.child = child;
    run.startedAt = Date.now();
    const speaksMcpOnStdout = member.kind === 'mcp' && member.transport === 'stdio';
    const streams = speaksMcpOnStdout ? [child.stderr] : [child.stdout, child.stderr];
    for (const stream of streams) createInterface({ input: stream! }).on('line', (line) => run.logs.push(line));
    // Writes to a child that died would raise EPIPE on the stream; the exit event reports the death.
    child.stdin?.on('error', () => {});

    await new Promise<void>((resolve) => {
      child.once('spawn', () => {
        child.once('exit', (code, signal) => {
          run.lastExit = { code, signal, at: Date.now(), ranMs: run.startedAt === undefined ? undefined : Date.now() - run.startedAt };
          this.options.log[run.stopping ? 'info' : 'warn']('member exited', { member: member.name, code, signal });
          this.emit({ type: 'died', member: member.name, at: Date.now(), code, signal, expected: run.stopping });
        });
        this.options.log.info('member started', { member: member.name, pid: child.pid });
        this.emit({ type: 'started', member: member.name, at: Date.now() });
        resolve();
      });
      child.once('error', (error) => {
        // The program could not be started at all (ENOENT, EACCES); no exit event follows.
        run.lastExit = { code: null, signal: null, at: Date.now(), error: error.message };
        run.logs.push(`fleetbot: cannot start ${argv[0]}: ${error.message}`);
        this.emit({ type: 'died', member: member.name, at: Date.now(), code: null, signal: null, expected: false, error: error.message });
        resolve();
      });
    });
  }

  protected async terminate(run: Run): Promise<void> {
    const child = run.child;
    if (!isAlive(child)) return;
    run.stopping = true;
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    signalGroup(child, 'SIGTERM');
    const timeout = this.options.stopTimeoutMs ?? 5000;
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeout);
    await exited;
    clearTimeout(timer);
  }
}

function isAlive(child: ChildProcess | undefined): boolean {
  return !!child && child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

function signalGroup(child: ChildProcess | undefined, signal: NodeJS.Signals) {
  if (!isAlive(child)) return;
  try {
    process.kill(-child!.pid!, signal);
  } catch {
    child!.kill(signal);
  }
}
