import { CodeChallengeMethod, generateCodeVerifier, generateState, OAuth2Client } from 'arctic';
import { z } from 'zod';
import { highestGrant, type Caller, type CallerPermission, type Permission } from '../../security/permissions.js';

/**
 * "Sign in with Discord": the OAuth2 authorization-code grant with PKCE (arctic's client), then the person's roles in
 * fleetbot's guild mapped to read / operate / admin by the same grants as commands (`highestGrant`). Someone who is
 * not a member of the guild holds nothing.
 * Side effects: HTTPS calls to Discord (token exchange, the user and their guild member).
 */

export interface DiscordSignInOptions {
  clientId: string;
  clientSecret: string;
  guildId: string;
  grants: Record<Permission, { roles: string[]; users: string[] }>;
  defaultPermission: CallerPermission;
  /** Discord's REST base (`https://discord.com/api`, or a local fake's); authorize lives on the same origin. */
  apiUrl?: string;
}

/** `identify` for who, `guilds.members.read` for their roles in the guild. */
const SCOPES = ['identify', 'guilds.members.read'];
const UserSchema = z.object({ id: z.string(), username: z.string(), global_name: z.string().nullish() });
const MemberSchema = z.object({ roles: z.array(z.string()), nick: z.string().nullish() });

/** What the browser carries between leaving for Discord and coming back (in a signed, short-lived cookie). */
export const PendingSignInSchema = z.object({ state: z.string(), verifier: z.string(), next: z.string() });
export type PendingSignIn = z.infer<typeof PendingSignInSchema>;

export class DiscordSignIn {
  private readonly api: string;
  private readonly authorizeUrl: string;

  constructor(private readonly o: DiscordSignInOptions) {
    this.api = (o.apiUrl ?? 'https://discord.com/api').replace(/\/+$/, '');
    this.authorizeUrl = `${new URL(this.api).origin}/oauth2/authorize`;
  }

  private client(redirectUri: string) {
    return new OAuth2Client(this.o.clientId, this.o.clientSecret, redirectUri);
  }

  /** Where to send the browser, and what it must bring back. */
  begin(redirectUri: string, next: string): { url: URL; pending: PendingSignIn } {
    const pending = { state: generateState(), verifier: generateCodeVerifier(), next };
    const url = this.client(redirectUri).createAuthorizationURLWithPKCE(this.authorizeUrl, pending.state, CodeChallengeMethod.S256, pending.verifier, SCOPES);
    return { url, pending };
  }

  /** The code Discord sent back, exchanged and looked up: who this is and what they may do here. */
  async finish(redirectUri: string, code: string, pending: PendingSignIn): Promise<Caller> {
    const tokens = await this.client(redirectUri).validateAuthorizationCode(`${this.api}/oauth2/token`, code, pending.verifier);
    const headers = { authorization: `Bearer ${tokens.accessToken()}` };
    const me = await fetch(`${this.api}/v10/users/@me`, { headers, signal: AbortSignal.timeout(10_000) });
    if (!me.ok) throw new Error(`Discord did not say who signed in (HTTP ${me.status})`);
    const user = UserSchema.parse(await me.json());
    const member = await fetch(`${this.api}/v10/users/@me/guilds/${this.o.guildId}/member`, { headers, signal: AbortSignal.timeout(10_000) });
    if (!member.ok && member.status !== 404) throw new Error(`Discord did not give the guild membership (HTTP ${member.status})`);
    const roles = member.ok ? MemberSchema.parse(await member.json()).roles : undefined;
    return {
      id: user.id,
      name: user.username,
      permission: roles ? highestGrant(this.o.grants, user.id, roles, this.o.defaultPermission) : 'none',
      via: 'dashboard',
    };
  }
}
