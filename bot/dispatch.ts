import type { HealerControl } from '../agents/heal-state.js';
import type { AgentInfo } from '../agents/heartbeat.js';
import { formatDuration } from '../config/duration.js';
import { argSpecs, neededPermission, OpsError, type Command, type CommandContext, type DefiClients, type FleetDirectory, type Reply } from '../commands/index.js';
import type { Member } from '../config/manifest.js';
import type { OpsClient } from '../queues/ops.js';
import { JobFailedError, JobTimeoutError } from '../queues/typed-queue.js';
import { auditArgs, type AuditLog } from '../security/audit.js';
import { hasPermission, type Caller } from '../security/permissions.js';
import { isLimited, slowDown, type RateLimiter } from '../security/rate-limit.js';
import { redact } from '../security/redact.js';
import type { Logger } from '../telemetry/logger.js';
import { metrics } from '../telemetry/metrics.js';
import { bindWords, describeIssues, splitRequest } from './command-line.js';
import type { Telemetry } from './dashboard/watch.js';
import type { Silences } from './notifier/alert-book.js';
import { unknownChoice } from './suggest.js';

/**
 * The one road every request takes, whatever the transport: find the command, validate its arguments, check the
 * caller's permission, run it, audit changes, and redact the reply. Errors become one-line replies; nothing thrown
 * here reaches a transport.
 */

export interface CommandRequest {
  caller: Caller;
  channel: string;
  command: string;
  args: Record<string, unknown>;
}

export interface DispatcherDeps {
  commands: Command[];
  members: Member[];
  ops: OpsClient;
  defi: DefiClients;
  audit: AuditLog;
  agents(): Promise<AgentInfo[]>;
  silences: Silences;
  healer: HealerControl;
  telemetry: Telemetry;
  /** Commands per user and minute, for callers on shared transports. */
  limiter?: RateLimiter;
  timeoutMs: number;
  log: Logger;
}

const fail = (title: string): Reply => ({ tone: 'error', title });

export type Checked = { ok: true; command: Command; args: Record<string, unknown> } | { ok: false; reply: Reply };

export class Dispatcher {
  readonly fleet: FleetDirectory;

  constructor(private readonly deps: DispatcherDeps) {
    const names = deps.members.map((m) => m.name);
    this.fleet = {
      members: deps.members,
      member(name) {
        const found = deps.members.find((m) => m.name === name);
        if (!found) throw new OpsError('unknown-member', unknownChoice('member', name, names));
        return found;
      },
    };
  }

  get commands(): readonly Command[] {
    return this.deps.commands;
  }

  command(name: string): Command | undefined {
    return this.deps.commands.find((c) => c.name === name);
  }

  private unknownCommand(name: string): Reply {
    metrics.commands.inc({ command: 'unknown', outcome: 'invalid', via: 'any' });
    return fail(unknownChoice('command', name, this.deps.commands.map((c) => c.name)));
  }

  /** Reads a text request (console line, `!` message) into a CommandRequest, or the one-line error to answer. */
  parseLine(line: string, caller: Caller, channel: string): CommandRequest | Reply {
    try {
      const { name, words } = splitRequest(line);
      const command = this.command(name);
      if (!command) return this.unknownCommand(name);
      return { caller, channel, command: name, args: bindWords(command, words) };
    } catch (error) {
      return this.errorReply('request', error);
    }
  }

  /** A text request, answered. */
  async dispatchLine(line: string, caller: Caller, channel: string): Promise<Reply> {
    const request = this.parseLine(line, caller, channel);
    return 'tone' in request ? request : this.dispatch(request);
  }

  /**
   * Everything that can refuse a request before it runs, all fast: the command exists, its arguments are valid
   * (members named exist), and the caller may run it. A denial is audited. Transports use this to answer refusals
   * privately and at once, before they defer or ask for a confirmation.
   */
  async check(request: CommandRequest): Promise<Checked> {
    const command = this.command(request.command);
    if (!command) return { ok: false, reply: this.unknownCommand(request.command) };
    const count = (outcome: 'invalid' | 'denied') => metrics.commands.inc({ command: command.name, outcome, via: request.caller.via });
    const parsed = command.args.safeParse(request.args);
    if (!parsed.success) {
      count('invalid');
      return { ok: false, reply: fail(describeIssues(command, parsed.error)) };
    }
    try {
      for (const spec of argSpecs(command)) {
        const value = (parsed.data as Record<string, unknown>)[spec.name];
        if (spec.complete === 'member' && typeof value === 'string') this.fleet.member(value);
      }
    } catch (error) {
      count('invalid');
      return { ok: false, reply: this.errorReply(command.name, error) };
    }
    const { limiter } = this.deps;
    if (limiter && isLimited(request.caller.via)) {
      const take = await limiter.take(request.caller.id);
      if (!take.ok) {
        metrics.commands.inc({ command: command.name, outcome: 'limited', via: request.caller.via });
        return { ok: false, reply: fail(slowDown(limiter, 'commands', take.retryInMs)) };
      }
    }
    const permission = hasPermission(request.caller, neededPermission(command, parsed.data as Record<string, unknown>));
    if (!permission.ok) {
      count('denied');
      await this.audit(request, 'denied', permission.message);
      return { ok: false, reply: fail(permission.message) };
    }
    return { ok: true, command, args: parsed.data as Record<string, unknown> };
  }

  /** Runs a checked request: the reply is redacted, and a change is audited with its outcome. */
  async run(request: CommandRequest, { command, args }: Extract<Checked, { ok: true }>): Promise<Reply> {
    const ctx: CommandContext = {
      caller: request.caller,
      channel: request.channel,
      fleet: this.fleet,
      ops: this.deps.ops,
      defi: this.deps.defi,
      timeoutMs: this.deps.timeoutMs,
      commands: this.deps.commands,
      agents: this.deps.agents,
      silences: this.deps.silences,
      healer: this.deps.healer,
      telemetry: this.deps.telemetry,
    };
    let reply: Reply;
    const began = performance.now();
    try {
      reply = redactReply(await command.run(ctx, args));
    } catch (error) {
      reply = this.errorReply(command.name, error);
    }
    metrics.commandSeconds.observe({ command: command.name }, (performance.now() - began) / 1000);
    metrics.commands.inc({ command: command.name, outcome: reply.tone === 'error' ? 'error' : 'ok', via: request.caller.via });
    if (neededPermission(command, args) !== 'read') await this.audit(request, reply.tone === 'error' ? 'failed' : 'ok', reply.title);
    return reply;
  }

  async dispatch(request: CommandRequest): Promise<Reply> {
    const checked = await this.check(request);
    return checked.ok ? this.run(request, checked) : checked.reply;
  }

  private async audit(request: CommandRequest, outcome: 'ok' | 'failed' | 'denied', detail: string) {
    try {
      await this.deps.audit.record({
        at: Date.now(),
        user: { id: request.caller.id, name: request.caller.name },
        via: request.caller.via,
        channel: request.channel,
        command: request.command,
        args: auditArgs(request.args, outcome),
        outcome,
        detail: redact(detail),
      });
    } catch (error) {
      // The change happened (or was refused) either way; a missing audit line must be loud in the log.
      this.deps.log.error('audit write failed', { command: request.command, user: request.caller.id, error });
    }
  }

  private errorReply(command: string, error: unknown): Reply {
    if (error instanceof OpsError) return redactReply(fail(error.message));
    if (error instanceof JobTimeoutError) {
      const waited = formatDuration(error.waitedMs);
      return fail(
        error.state === 'cancelled'
          ? `no agent took the ${command} request within ${waited}, so it was cancelled — is its agent running? (see /agents)`
          : `${command} is still running after ${waited} (job ${error.jobId}); check /status in a moment`,
      );
    }
    if (error instanceof JobFailedError) return redactReply(fail(`${command} failed: ${error.message}`));
    this.deps.log.error('command crashed', { command, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return fail(`${command} failed with an internal error; the details are in fleetbot's log`);
  }
}

/** Every text a reply carries, redacted — the last step before any transport. */
export function redactReply(reply: Reply): Reply {
  return {
    ...reply,
    title: redact(reply.title),
    body: reply.body === undefined ? undefined : redact(reply.body),
    table: reply.table && {
      columns: reply.table.columns,
      rows: reply.table.rows.map((row) => ({ ...row, cells: row.cells.map(redact) })),
    },
    code: reply.code && { ...reply.code, text: redact(reply.code.text) },
  };
}
