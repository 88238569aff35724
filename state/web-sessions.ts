import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { readJson } from '../redis/json.js';
import type { RedisHub } from '../redis/hub.js';
import { PermissionSchema } from '../security/permissions.js';

/**
 * Dashboard sessions: who signed in, how, with which permission, until when. The browser holds a random session id
 * (in a signed cookie); Redis holds only its hash, so a dump of Redis opens no session. A session ends when it
 * expires, when its person signs out, or when what opened it (an API token) is revoked.
 * Side effects: Redis keys `<prefix>:web-session:<hash>` (with a TTL) and sets `<prefix>:web-sessions-by:<source>`.
 */

export const WebSessionSchema = z.object({
  user: z.object({ id: z.string(), name: z.string() }),
  permission: PermissionSchema,
  /** `discord`, `token:<name>` or `shared-token`: what vouched for this person (and what revoking it ends). */
  source: z.string(),
  /** `views`: the read-only pages and /metrics only (the shared dashboard token); `person`: a named person. */
  scope: z.enum(['views', 'person']),
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type WebSession = z.infer<typeof WebSessionSchema>;

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');

export class WebSessions {
  constructor(private readonly hub: RedisHub) {}

  private key(hash: string) {
    return this.hub.key('web-session', hash);
  }
  private bySource(source: string) {
    return this.hub.key('web-sessions-by', source);
  }

  /** Opens a session for `ttlMs`; returns the id the browser keeps. */
  async open(session: Omit<WebSession, 'createdAt' | 'expiresAt'>, ttlMs: number, now = Date.now()): Promise<{ id: string; session: WebSession }> {
    const id = randomBytes(32).toString('base64url');
    const hash = hashId(id);
    const full = WebSessionSchema.parse({ ...session, createdAt: now, expiresAt: now + ttlMs });
    await this.hub.client
      .multi()
      .set(this.key(hash), JSON.stringify(full), 'PX', ttlMs)
      .sadd(this.bySource(full.source), hash)
      .pexpire(this.bySource(full.source), ttlMs)
      .exec();
    return { id, session: full };
  }

  async get(id: string): Promise<WebSession | undefined> {
    const session = readJson(WebSessionSchema, await this.hub.client.get(this.key(hashId(id))));
    return session && session.expiresAt > Date.now() ? session : undefined;
  }

  async close(id: string): Promise<void> {
    await this.hub.client.del(this.key(hashId(id)));
  }

  /** Ends every session `source` opened (a revoked token's); returns how many were open. */
  async closeAll(source: string): Promise<number> {
    const hashes = await this.hub.client.smembers(this.bySource(source));
    if (hashes.length === 0) return 0;
    const removed = await this.hub.client.del(...hashes.map((h) => this.key(h)));
    await this.hub.client.del(this.bySource(source));
    return removed;
  }
}
