import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Command, Reply } from '../commands/index.js';
import { neededPermission } from '../commands/index.js';
import type { RedisHub } from '../redis/hub.js';
import { CallerPermissionSchema, hasPermission, type Caller } from '../security/permissions.js';
import { metrics } from '../telemetry/metrics.js';
import type { CommandRequest, Dispatcher } from './dispatch.js';

/**
 * Requests waiting for a human "yes" (a Confirm button, a `yes` in the console). Kept in Redis for 15 minutes — as
 * long as a Discord interaction token lives — so a restarted bot still honours a button, or says it expired.
 * Side effects: Redis keys `<prefix>:confirm:<id>`.
 */

export const CONFIRM_TTL_MS = 15 * 60_000;

const PendingSchema = z.object({
  request: z.object({
    caller: z.object({ id: z.string(), name: z.string(), permission: CallerPermissionSchema, via: z.string() }),
    channel: z.string(),
    command: z.string(),
    args: z.record(z.string(), z.unknown()),
  }),
  askedAt: z.number(),
});
export type Pending = z.infer<typeof PendingSchema>;

export class Confirmations {
  constructor(
    private readonly hub: RedisHub,
    private readonly ttlMs = CONFIRM_TTL_MS,
  ) {}

  private key(id: string) {
    return this.hub.key('confirm', id);
  }

  /** Stores the request; the id is random and carries nothing else (it ends up in a button's custom id). */
  async create(request: CommandRequest): Promise<string> {
    const id = randomBytes(9).toString('base64url');
    const { grantHint: _hint, ...caller } = request.caller;
    await this.hub.client.set(this.key(id), JSON.stringify({ request: { ...request, caller }, askedAt: Date.now() }), 'PX', this.ttlMs);
    return id;
  }

  async peek(id: string): Promise<Pending | undefined> {
    return parse(await this.hub.client.get(this.key(id)));
  }

  /** Removes and returns it: of two presses at once, exactly one gets it. */
  async take(id: string): Promise<Pending | undefined> {
    return parse(await this.hub.client.getdel(this.key(id)));
  }
}

function parse(raw: string | null): Pending | undefined {
  if (!raw) return undefined;
  const parsed = PendingSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : undefined;
}

/** "Restart alpha?" */
export function confirmQuestion(command: Pick<Command, 'name'>, args: Record<string, unknown>): string {
  const words = Object.values(args).filter((v) => v !== undefined).map(String);
  return `${command.name[0]!.toUpperCase()}${command.name.slice(1)} ${words.join(' ')}`.trim() + '?';
}

export type Answer =
  | { kind: 'expired' }
  | { kind: 'refused'; reply: Reply }
  | { kind: 'already-answered' }
  | { kind: 'cancelled' }
  /** Confirmed and taken: `run` does it (the transport acknowledges first, then calls it). */
  | { kind: 'confirmed'; run(): Promise<Reply> };

/**
 * A human's answer to a pending confirmation, the same for a Discord button and a console `yes`: the presser's own
 * permission decides (a refusal is audited by the dispatcher), only the asker or someone allowed may cancel, and of
 * two answers at once exactly one counts.
 */
export async function answerConfirmation(
  deps: { dispatcher: Dispatcher; confirmations: Confirmations },
  id: string,
  presser: Caller,
  action: 'confirm' | 'cancel',
): Promise<Answer> {
  const answer = await decide(deps, id, presser, action);
  metrics.confirmations.inc({ answer: answer.kind.replace('-', '_') });
  return answer;
}

async function decide(
  deps: { dispatcher: Dispatcher; confirmations: Confirmations },
  id: string,
  presser: Caller,
  action: 'confirm' | 'cancel',
): Promise<Answer> {
  const { dispatcher, confirmations } = deps;
  const pending = await confirmations.peek(id);
  if (!pending) return { kind: 'expired' };
  const request: CommandRequest = { ...pending.request, caller: presser };
  if (action === 'cancel') {
    const command = dispatcher.command(request.command);
    const mayCancel = presser.id === pending.request.caller.id || (!!command && hasPermission(presser, neededPermission(command, request.args)).ok);
    if (!mayCancel) return { kind: 'refused', reply: { tone: 'error', title: 'only the one who asked, or someone allowed to do it, can cancel' } };
    return (await confirmations.take(id)) ? { kind: 'cancelled' } : { kind: 'already-answered' };
  }
  const checked = await dispatcher.check(request);
  if (!checked.ok) return { kind: 'refused', reply: checked.reply };
  if (!(await confirmations.take(id))) return { kind: 'already-answered' };
  return { kind: 'confirmed', run: () => dispatcher.run(request, checked) };
}
