import type { Caller } from '../../security/permissions.js';
import type { CommandRequest, Dispatcher } from '../dispatch.js';

/**
 * What a member's row on the page offers. Each action is a command on the dispatcher's road — the same permission
 * check, confirmation and audit entry as anywhere else — with the arguments it fixes, and at most one value the person
 * types (validated by the command's own schema, like every other argument). Origin `button`: every change asks first.
 */

interface ActionSpec {
  command: string;
  args?: Record<string, unknown>;
  /** The argument typed in the row (sent in the body under its own name). */
  input?: string;
}

export const MEMBER_ACTIONS = {
  restart: { command: 'restart' },
  stop: { command: 'stop' },
  start: { command: 'start' },
  silence: { command: 'silence', input: 'duration' },
  unsilence: { command: 'unsilence' },
  'heal-pause': { command: 'heal', args: { action: 'pause' } },
  'heal-resume': { command: 'heal', args: { action: 'resume' } },
  scale: { command: 'scale', input: 'replicas' },
} as const satisfies Record<string, ActionSpec>;

export type MemberAction = keyof typeof MEMBER_ACTIONS;

const specOf = (action: string): ActionSpec | undefined => (Object.hasOwn(MEMBER_ACTIONS, action) ? MEMBER_ACTIONS[action as MemberAction] : undefined);

/** The request a click makes; undefined for an action the page does not offer. Only the declared input is read from the body. */
export function memberRequest(caller: Caller, member: string, action: string, body: unknown): CommandRequest | undefined {
  const spec = specOf(action);
  if (!spec) return undefined;
  const typed = spec.input ? { [spec.input]: body && typeof body === 'object' ? (body as Record<string, unknown>)[spec.input] : undefined } : {};
  return { caller, channel: 'dashboard', command: spec.command, args: { ...typed, ...spec.args, member }, origin: 'button' };
}

/** The actions this person's permission allows (the buttons the page shows them); the dispatcher decides again on each click. */
export async function offeredActions(dispatcher: Dispatcher, caller: Caller): Promise<MemberAction[]> {
  const entries = Object.entries(MEMBER_ACTIONS) as [MemberAction, ActionSpec][];
  const allowed = await Promise.all(entries.map(([, spec]) => dispatcher.allows(caller, spec.command, { ...spec.args })));
  return entries.filter((_, i) => allowed[i]).map(([action]) => action);
}
