import type { Reply } from '../commands/index.js';
import type { Caller } from '../security/permissions.js';
import type { Dispatcher, PendingConfirmation } from './dispatch.js';

/** What every surface (console, Discord, the web page) is given: the road for requests and the chat for plain words. */

export interface ChatAnswer {
  reply: Reply;
  /** A change waiting for a human yes: Confirm / Cancel buttons on Discord, a `yes` prompt in the console. */
  confirmation?: PendingConfirmation;
  /** How the turn went: model calls and the time spent waiting on them (the rest is fleetbot's own). */
  stats?: { modelCalls: number; modelMs: number; toolCalls: number };
}

export interface Conversation {
  turn(text: string, caller: Caller, channel: string, progress?: (note: string) => void): Promise<ChatAnswer>;
}

export interface Roads {
  dispatcher: Dispatcher;
  chat: Conversation;
}
