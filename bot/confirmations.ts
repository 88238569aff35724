import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ORIGINS, type Command } from '../commands/index.js';
import { readJson } from '../redis/json.js';
import type { RedisHub } from '../redis/hub.js';
import { CallerPermissionSchema } from '../security/permissions.js';

/**
 * Requests waiting for a human "yes" (a Confirm button, a `yes` in the console, the web page's dialog). Kept in
 * Redis for 15 minutes — as long as a Discord interaction token lives — so a restarted bot still honours a button,
 * or says it expired. The dispatcher decides what waits here and answers them. Side effects: Redis keys
 * `<prefix>:confirm:<id>`.
 */

export const CONFIRM_TTL_MS = 15 * 60_000;

const PendingRequestSchema = z.object({
  caller: z.object({ id: z.string(), name: z.string(), permission: CallerPermissionSchema, via: z.string() }),
  channel: z.string(),
  command: z.string(),
  args: z.record(z.string(), z.unknown()),
  origin: z.enum(ORIGINS),
  reason: z.string().optional(),
  ownWords: z.boolean().optional(),
});
const PendingSchema = z.object({ request: PendingRequestSchema, askedAt: z.number() });
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
  async create(request: z.input<typeof PendingRequestSchema> & { caller: { grantHint?: unknown } }): Promise<string> {
    const id = randomBytes(9).toString('base64url');
    const { grantHint: _hint, ...caller } = request.caller;
    const pending: Pending = { request: PendingRequestSchema.parse({ ...request, caller }), askedAt: Date.now() };
    await this.hub.client.set(this.key(id), JSON.stringify(pending), 'PX', this.ttlMs);
    return id;
  }

  async peek(id: string): Promise<Pending | undefined> {
    return readJson(PendingSchema, await this.hub.client.get(this.key(id)));
  }

  /** Removes and returns it: of two presses at once, exactly one gets it. */
  async take(id: string): Promise<Pending | undefined> {
    return readJson(PendingSchema, await this.hub.client.getdel(this.key(id)));
  }
}

/** "Restart alpha?" */
export function confirmQuestion(command: Pick<Command, 'name'>, args: Record<string, unknown>): string {
  const words = Object.values(args).filter((v) => v !== undefined).map(String);
  return `${command.name[0]!.toUpperCase()}${command.name.slice(1)} ${words.join(' ')}`.trim() + '?';
}
