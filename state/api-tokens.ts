import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { readJson } from '../redis/json.js';
import type { RedisHub } from '../redis/hub.js';
import { PermissionSchema, type Permission } from '../security/permissions.js';

/**
 * Personal API tokens for the dashboard, for deployments without Discord sign-in: a named person's token with a
 * permission level. Only a SHA-256 of each token is kept; the token itself is shown once, when it is created.
 * Side effects: Redis hashes `<prefix>:api-tokens` (name → token record) and `<prefix>:api-token-hashes` (hash → name).
 */

export const TokenNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a token name is 1-64 lower-case letters, digits, ".", "_" or "-"');

export const ApiTokenSchema = z.object({
  name: TokenNameSchema,
  permission: PermissionSchema,
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.number(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;

/** Recognisable in a log or a leak report (and by redaction rules); the random part is 32 bytes. */
const TOKEN_PREFIX = 'fbt_';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class ApiTokenStore {
  constructor(private readonly hub: RedisHub) {}

  private get tokens() {
    return this.hub.key('api-tokens');
  }
  private get hashes() {
    return this.hub.key('api-token-hashes');
  }

  /** A new token for `name`; its text is returned once and never stored. A name in use is refused. */
  async create(name: string, permission: Permission, now = Date.now()): Promise<{ token: string; record: ApiToken }> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const valid = TokenNameSchema.safeParse(name);
    if (!valid.success) throw new Error(valid.error.issues[0]!.message);
    const record = ApiTokenSchema.parse({ name, permission, hash: hashToken(token), createdAt: now });
    if ((await this.hub.client.hsetnx(this.tokens, name, JSON.stringify(record))) !== 1) {
      throw new Error(`a token named "${name}" exists already; revoke it first or pick another name`);
    }
    await this.hub.client.hset(this.hashes, record.hash, name);
    return { token, record };
  }

  /** Every token's name, permission and age (never the hash), oldest first. */
  async list(): Promise<Omit<ApiToken, 'hash'>[]> {
    const all = Object.values(await this.hub.client.hgetall(this.tokens)).flatMap((raw) => {
      const token = readJson(ApiTokenSchema, raw);
      return token ? [{ name: token.name, permission: token.permission, createdAt: token.createdAt }] : [];
    });
    return all.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Removes the token; false when there was none by that name. */
  async revoke(name: string): Promise<boolean> {
    const token = readJson(ApiTokenSchema, await this.hub.client.hget(this.tokens, name));
    if (!token) return false;
    await this.hub.client.multi().hdel(this.tokens, name).hdel(this.hashes, token.hash).exec();
    return true;
  }

  /** The token record a presented token belongs to, if it is one. Lookup is by hash, so timing says nothing about it. */
  async verify(presented: string): Promise<ApiToken | undefined> {
    if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 200) return undefined;
    const hash = hashToken(presented);
    const name = await this.hub.client.hget(this.hashes, hash);
    if (!name) return undefined;
    const token = readJson(ApiTokenSchema, await this.hub.client.hget(this.tokens, name));
    return token?.hash === hash ? token : undefined;
  }
}
