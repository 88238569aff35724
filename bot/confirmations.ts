import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RedisHub } from '../queues/connection.js';
import type { CommandRequest } from './dispatch.js';

/**
 * Requests waiting for a human "yes" (a Confirm button, a `yes` in the console). Kept in Redis for 15 minutes — as
 * long as a Discord interaction token lives — so a restarted bot still honours a button, or says it expired.
 * Side effects: Redis keys `<prefix>:confirm:<id>`.
 */

export const CONFIRM_TTL_MS = 15 * 60_000;

const PendingSchema = z.object({
  request: z.object({
    caller: z.object({ id: z.string(), name: z.string(), permission: z.enum(['none', 'read', 'operate', 'admin']), via: z.string() }),
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
