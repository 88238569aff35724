import { AGENTS } from '../agents/index.js';
import { formatDuration } from '../config/duration.js';
import type { Member } from '../config/manifest.js';
import {
  type AgentRestarts,
  argSpecs,
  needsConfirmation,
  neededPermission,
  OpsError,
  type Command,
  type CommandContext,
  type DefiClients,
  type FleetDirectory,
  type HealerControl,
  type Origin,
  type Reply,
  type Silences,
  type Telemetry,
  type ToolTrust,
} from '../commands/index.js';
import type { AgentInfo } from '../state/heartbeats.js';
import type { NotifyClient } from '../queues/notify.js';
import type { OpsClient } from '../queues/ops.js';
import { JobFailedError, JobTimeoutError } from '../queues/typed-queue.js';
import { auditArgs, type AuditLog } from '../security/audit.js';
import { hasPermission, type Caller, type Permission } from '../security/permissions.js';
import { isLimited, slowDown, type RateLimiter } from '../security/rate-limit.js';
import { redact } from '../security/redact.js';
import type { Logger } from '../telemetry/logger.js';
import { metrics } from '../telemetry/metrics.js';
import { bindWords, describeIssues, splitRequest, unreadable } from './command-line.js';
import { CONFIRM_TTL_MS, confirmQuestion, type Confirmations } from './confirmations.js';
import { unknownChoice } from './suggest.js';

/**
 * The one road every request takes, whatever the transport: find the command, validate its arguments, check the
 * caller's permission and rate limit, decide whether it waits for a human yes (the one confirmation rule, declared
 * next to the Command contract), run it, audit changes, and redact the reply. A transport hands in a request and
 * renders what comes back — a refusal, a confirmation to ask, or a reply; nothing thrown here reaches a transport.
 */

export interface CommandRequest {
  caller: Caller;
  channel: string;
  command: string;
  args: Record<string, unknown>;
  /** Where it came from; decides whether it waits for a yes (see `needsConfirmation`). */
  origin: Origin;
  /** For a change the model proposes: why, in its words (shown with the question). */
  reason?: string;
  /** With origin `model`: the person asked for exactly this in their own words (the fallback router read them). */
  ownWords?: boolean;
}

/** A change waiting for a human yes: what each transport shows as buttons, a prompt, or a form. */
export interface PendingConfirmation {
  id: string;
  /** "Restart alpha?" */
  question: string;
  /** Who typed the request — or, for a model's proposal, on whose question the model proposed it. */
  askedBy: { id: string; name: string };
  /** The model proposed it: nobody typed this change. */
  proposed: boolean;
  reason?: string;
  /** What else it will affect (dependents of a member being stopped). */
  warning?: string;
  /** The permission whoever confirms needs. */
  mayAnswer: Permission;
  expiresAt: number;
}

export type Outcome =
  | { kind: 'refused'; reply: Reply }
  | { kind: 'confirm'; confirmation: PendingConfirmation }
  /** Allowed and ready: `run` does it (a transport with a deadline acknowledges first, then calls it). */
  | { kind: 'ready'; run(): Promise<Reply> };

export type Answer =
  | { kind: 'expired' }
  | { kind: 'refused'; reply: Reply }
  | { kind: 'already-answered' }
  | { kind: 'cancelled' }
  /** Confirmed and taken: `run` does it (the transport acknowledges first, then calls it). */
  | { kind: 'confirmed'; run(): Promise<Reply> };

export interface DispatcherDeps {
  commands: Command[];
  members: Member[];
  ops: OpsClient;
  notify: NotifyClient;
  defi: DefiClients;
  audit: AuditLog;
  agents(): Promise<AgentInfo[]>;
  agentControl: AgentRestarts;
  silences: Silences;
  healer: HealerControl;
  telemetry: Telemetry;
  confirmations: Confirmations;
  /** How much the fleet trusts each MCP tool (the manifest's word, not the tool's). Without it, `/call` needs its own level. */
  toolTrust?: ToolTrust;
  /** Commands per user and minute, for callers on shared transports. */
  limiter?: RateLimiter;
  /** Chat turns (each may call the model several times) per user and minute, for callers on shared transports. */
  chatLimiter?: RateLimiter;
  timeoutMs: number;
  log: Logger;
}

const fail = (title: string): Reply => ({ tone: 'error', title });

export type Checked = { ok: true; command: Command; args: Record<string, unknown>; needed: Permission } | { ok: false; reply: Reply };

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

  private get trust() {
    return this.deps.toolTrust && { toolTrust: this.deps.toolTrust, fleet: this.fleet };
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
  parseLine(line: string, caller: Caller, channel: string, origin: Origin = 'console'): CommandRequest | Reply {
    try {
      const { name, words } = splitRequest(line);
      const command = this.command(name);
      if (!command) return this.unknownCommand(name);
      return { caller, channel, command: name, args: bindWords(command, words), origin };
    } catch (error) {
      return this.errorReply('request', error);
    }
  }

  /** A request, taken as far as it can go now: refused, waiting for a yes, or ready to run. */
  async prepare(request: CommandRequest): Promise<Outcome> {
    const checked = await this.check(request);
    if (!checked.ok) return { kind: 'refused', reply: checked.reply };
    const warning = checked.command.warn?.(checked.args as never, this.fleet);
    if (needsConfirmation(checked.command, checked.needed, request.origin, warning)) {
      return { kind: 'confirm', confirmation: await this.ask({ ...request, args: checked.args }, checked, warning) };
    }
    return { kind: 'ready', run: () => this.run(request, checked) };
  }

  /** A request taken all the way: its reply, or its refusal, or the confirmation it waits for. */
  async handle(request: CommandRequest): Promise<Exclude<Outcome, { kind: 'ready' }> | { kind: 'reply'; reply: Reply }> {
    const outcome = await this.prepare(request);
    return outcome.kind === 'ready' ? { kind: 'reply', reply: await outcome.run() } : outcome;
  }

  /** A text request answered in one reply (a confirmation shows as its question): for scripts and tests. */
  async dispatchLine(line: string, caller: Caller, channel: string, origin: Origin = 'console'): Promise<Reply> {
    const request = this.parseLine(line, caller, channel, origin);
    return 'tone' in request ? request : replyOf(await this.handle(request));
  }

  /**
   * Everything that can refuse a request before it runs, all fast: the command exists, its arguments are valid
   * (members named exist), the caller is within the rate limit and may run it. A denial is audited.
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
    const args = parsed.data as Record<string, unknown>;
    try {
      for (const spec of argSpecs(command)) {
        const value = args[spec.name];
        if (spec.complete === 'member' && typeof value === 'string' && !namesAnAgent(command, request.args, value, this.deps.members)) this.fleet.member(value);
      }
    } catch (error) {
      count('invalid');
      return { ok: false, reply: this.errorReply(command.name, error) };
    }
    const limited = await this.limit(this.deps.limiter, request.caller, 'commands');
    if (limited) {
      metrics.commands.inc({ command: command.name, outcome: 'limited', via: request.caller.via });
      return { ok: false, reply: limited };
    }
    let needed: Permission;
    try {
      needed = await neededPermission(command, args, this.trust);
    } catch (error) {
      count('invalid');
      return { ok: false, reply: this.errorReply(command.name, error) };
    }
    const permission = hasPermission(request.caller, needed);
    if (!permission.ok) {
      count('denied');
      await this.audit(request, 'denied', permission.message);
      return { ok: false, reply: fail(permission.message) };
    }
    return { ok: true, command, args, needed };
  }

  /**
   * Whether the caller's permission lets them run this invocation — the check `check` makes, asked ahead so a surface
   * offers only what the person may do (the web page's buttons). It refuses nothing: the request still takes the road.
   */
  async allows(caller: Caller, name: string, args: Record<string, unknown>): Promise<boolean> {
    const command = this.command(name);
    if (!command) return false;
    try {
      return hasPermission(caller, await neededPermission(command, args, this.trust)).ok;
    } catch {
      return false;
    }
  }

  /**
   * May this person talk to the chat now? Checked before the model is called: no permission means no model call
   * (and nothing from the channel's memory), and chat turns have their own rate limit.
   */
  async admitChat(caller: Caller, text: string): Promise<Reply | undefined> {
    const problem = unreadable(text);
    if (problem) return fail(problem);
    const permission = hasPermission(caller, 'read');
    if (!permission.ok) return fail(permission.message);
    return this.limit(this.deps.chatLimiter, caller, 'chat turns');
  }

  private async limit(limiter: RateLimiter | undefined, caller: Caller, what: string): Promise<Reply | undefined> {
    if (!limiter || !isLimited(caller.via)) return undefined;
    const take = await limiter.take(caller.id);
    return take.ok ? undefined : fail(slowDown(limiter, what, take.retryInMs));
  }

  private async ask(request: CommandRequest, checked: Extract<Checked, { ok: true }>, warning?: string): Promise<PendingConfirmation> {
    const id = await this.deps.confirmations.create(request);
    const { caller } = request;
    return {
      id,
      question: confirmQuestion(checked.command, checked.args),
      askedBy: { id: caller.id, name: caller.name },
      proposed: request.origin === 'model' && request.ownWords !== true,
      reason: request.reason,
      warning,
      mayAnswer: checked.needed,
      expiresAt: Date.now() + CONFIRM_TTL_MS,
    };
  }

  /**
   * Proposes a change nobody typed (an opportunity the scanner found): it waits for someone allowed to confirm it.
   * The proposer's own permission is not checked — whoever confirms is, then.
   */
  async propose(request: Omit<CommandRequest, 'origin'>): Promise<string> {
    return this.deps.confirmations.create({ ...request, origin: 'model' });
  }

  /**
   * A human's answer to a pending confirmation, the same for a button, a console `yes` and the web page: the
   * presser's own permission decides (a refusal is audited), only the asker or someone allowed may cancel, and of
   * two answers at once exactly one counts.
   */
  async answer(id: string, presser: Caller, action: 'confirm' | 'cancel'): Promise<Answer> {
    const answer = await this.decide(id, presser, action);
    metrics.confirmations.inc({ answer: answer.kind.replace('-', '_') });
    return answer;
  }

  private async decide(id: string, presser: Caller, action: 'confirm' | 'cancel'): Promise<Answer> {
    const { confirmations } = this.deps;
    const pending = await confirmations.peek(id);
    if (!pending) return { kind: 'expired' };
    const asker = pending.request.caller;
    const request: CommandRequest = { ...pending.request, caller: presser };
    if (action === 'cancel') {
      const command = this.command(request.command);
      const mayCancel = presser.id === asker.id || (!!command && hasPermission(presser, await neededPermission(command, request.args, this.trust).catch(() => command.permission)).ok);
      if (!mayCancel) return { kind: 'refused', reply: fail('only the one who asked, or someone allowed to do it, can cancel') };
      return (await confirmations.take(id)) ? { kind: 'cancelled' } : { kind: 'already-answered' };
    }
    const checked = await this.check(request);
    if (!checked.ok) return { kind: 'refused', reply: checked.reply };
    if (!(await confirmations.take(id))) return { kind: 'already-answered' };
    return { kind: 'confirmed', run: () => this.run(request, checked, { id: asker.id, name: asker.name }) };
  }

  /** Runs a checked request: the reply is redacted, and a change is audited with its outcome (and who asked for it). */
  private async run(request: CommandRequest, { command, args, needed }: Extract<Checked, { ok: true }>, askedBy?: { id: string; name: string }): Promise<Reply> {
    const ctx: CommandContext = {
      caller: request.caller,
      channel: request.channel,
      fleet: this.fleet,
      ops: this.deps.ops,
      notify: this.deps.notify,
      defi: this.deps.defi,
      timeoutMs: this.deps.timeoutMs,
      commands: this.deps.commands,
      agents: this.deps.agents,
      agentControl: this.deps.agentControl,
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
    if (needed !== 'read') await this.audit({ ...request, args }, reply.tone === 'error' ? 'failed' : 'ok', reply.title, askedBy);
    return reply;
  }

  private async audit(request: CommandRequest, outcome: 'ok' | 'failed' | 'denied', detail: string, askedBy?: { id: string; name: string }) {
    try {
      await this.deps.audit.record({
        at: Date.now(),
        user: { id: request.caller.id, name: request.caller.name },
        askedBy: askedBy && askedBy.id !== request.caller.id ? askedBy : undefined,
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

/**
 * A command with a `kind` argument that offers `agent` (`/restart agent healer`) takes an agent's name where a member's
 * goes: when the kind says so, or when no kind is given and the name is an agent's, not a member's (a member's name
 * wins). The command answers for an agent it cannot restart; any other name is an unknown member, as everywhere.
 * `given` holds the kind as typed (`server` reads as no kind once parsed).
 */
function namesAnAgent(command: Command, given: Record<string, unknown>, name: string, members: readonly Member[]): boolean {
  if (!argSpecs(command).some((s) => s.name === 'kind' && s.choices?.includes('agent'))) return false;
  if (given.kind !== undefined) return given.kind === 'agent';
  return !members.some((m) => m.name === name) && AGENTS.some((a) => a.name === name);
}

/** How a confirmation reads in plain text (the console, the chat's answer, a script). */
export function confirmationText(c: PendingConfirmation): string {
  const who = c.proposed ? `proposed by the assistant while answering ${c.askedBy.name} — nobody typed this change` : `asked by ${c.askedBy.name}`;
  return [`${who} — this changes the fleet, so it waits for a yes`, c.warning && `note: ${c.warning}`, c.reason && `why: ${c.reason}`].filter(Boolean).join('\n');
}

/** An outcome as one reply, for surfaces that show just text. */
export function replyOf(outcome: Awaited<ReturnType<Dispatcher['handle']>>): Reply {
  if (outcome.kind === 'confirm') return { tone: 'warn', title: outcome.confirmation.question, body: confirmationText(outcome.confirmation) };
  return outcome.reply;
}

/** Every text a reply carries, redacted — the last step before any transport. */
export function redactReply(reply: Reply): Reply {
  // A table repeats its cells (states, health, counts — an 81-member status has 648 cells, 200 distinct): each
  // distinct text is redacted once per reply.
  const done = new Map<string, string>();
  const cell = (text: string) => {
    let out = done.get(text);
    if (out === undefined) done.set(text, (out = redact(text)));
    return out;
  };
  return {
    ...reply,
    title: redact(reply.title),
    body: reply.body === undefined ? undefined : redact(reply.body),
    table: reply.table && {
      columns: reply.table.columns,
      rows: reply.table.rows.map((row) => ({ ...row, cells: row.cells.map(cell) })),
    },
    code: reply.code && { ...reply.code, text: redact(reply.code.text) },
  };
}
