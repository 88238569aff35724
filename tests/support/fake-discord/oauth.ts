import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body.js';
import type { Directory } from './directory.js';

/**
 * Discord's OAuth2 authorization-code grant, as "Sign in with Discord" uses it: `GET /oauth2/authorize` (the person
 * is whoever `signInAs` named — the browser "is logged in to Discord" — and consents at once: a redirect back with a
 * code), `POST /api/oauth2/token` (also under /api/v10; client secret by Basic auth or in the form; PKCE S256 checked;
 * codes single-use and bound to their redirect URI), then with `Authorization: Bearer <access token>`:
 * `GET /api/v10/users/@me` (scope `identify`) and `GET /api/v10/users/@me/guilds/{guild}/member` (scope
 * `guilds.members.read`; 404 Unknown Guild when the person is not a member).
 */

interface Grant {
  userId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  challenge?: string;
  expiresAt: number;
}

const CODE_TTL_MS = 10 * 60_000;
const b64url = (b: Buffer) => b.toString('base64url');

export class FakeOAuth {
  private person?: string;
  private readonly codes = new Map<string, Grant>();
  private readonly tokens = new Map<string, Grant>();
  /** What happened, for tests: authorizations, token exchanges and user calls with their status. */
  readonly log: { what: 'authorize' | 'token' | 'me' | 'member'; status: number }[] = [];

  constructor(
    private readonly directory: Directory,
    private readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  /** The person the next authorization is for; undefined: nobody is signed in to Discord (authorize answers 401). */
  signInAs(userId: string | undefined): void {
    this.person = userId;
  }

  /** Whether this request is an OAuth2 one (the bot's own REST calls carry `Bot` authorization and go elsewhere). */
  handles(req: IncomingMessage): boolean {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path === '/oauth2/authorize' || path === '/api/oauth2/token' || path === '/api/v10/oauth2/token') return true;
    return /^\/api\/v10\/users\/@me(\/guilds\/\d+\/member)?$/.test(path) && (req.headers.authorization ?? '').startsWith('Bearer ');
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    if (path === '/oauth2/authorize') return this.authorize(url, res);
    if (path.endsWith('/oauth2/token')) return this.token(req, res);
    const grant = this.tokens.get((req.headers.authorization ?? '').slice('Bearer '.length));
    const member = /\/guilds\/(\d+)\/member$/.exec(path);
    const what = member ? 'member' : 'me';
    if (!grant || grant.expiresAt < Date.now()) return this.json(res, what, 401, { message: '401: Unauthorized', code: 0 });
    if (!grant.scopes.includes(member ? 'guilds.members.read' : 'identify')) return this.json(res, what, 403, { message: 'Missing Access', code: 50001 });
    const user = this.directory.user(grant.userId)!;
    if (!member) return this.json(res, what, 200, { ...this.directory.apiUser(user), verified: true, mfa_enabled: false, flags: 0 });
    const found = this.directory.member(member[1]!, grant.userId);
    if (!found) return this.json(res, what, 404, { message: 'Unknown Guild', code: 10004 });
    return this.json(res, what, 200, this.directory.apiMember(found));
  }

  private authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri');
    const fail = (status: number, message: string) => {
      this.log.push({ what: 'authorize', status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(message);
    };
    if (q.get('client_id') !== this.clientId) return fail(400, 'unknown client_id');
    if (q.get('response_type') !== 'code' || !redirectUri) return fail(400, 'response_type=code and redirect_uri are required');
    if (!this.person || !this.directory.user(this.person)) return fail(401, 'nobody is signed in to the fake Discord (signInAs)');
    const method = q.get('code_challenge_method');
    if (q.get('code_challenge') && method !== 'S256') return fail(400, 'code_challenge_method must be S256');
    const code = b64url(randomBytes(18));
    this.codes.set(code, {
      userId: this.person,
      clientId: this.clientId,
      redirectUri,
      scopes: (q.get('scope') ?? '').split(' ').filter(Boolean),
      challenge: q.get('code_challenge') ?? undefined,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (q.get('state') !== null) back.searchParams.set('state', q.get('state')!);
    this.log.push({ what: 'authorize', status: 302 });
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [form.get('client_id'), form.get('client_secret')];
    const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
    if (id !== this.clientId || !secret || !same(secret, this.clientSecret)) return this.json(res, 'token', 401, { error: 'invalid_client' });
    if (req.method !== 'POST' || form.get('grant_type') !== 'authorization_code') return this.json(res, 'token', 400, { error: 'unsupported_grant_type' });
    const code = form.get('code') ?? '';
    const grant = this.codes.get(code);
    this.codes.delete(code);
    if (!grant || grant.expiresAt < Date.now() || grant.redirectUri !== form.get('redirect_uri')) return this.json(res, 'token', 400, { error: 'invalid_grant' });
    if (grant.challenge) {
      const verifier = form.get('code_verifier') ?? '';
      if (b64url(createHash('sha256').update(verifier).digest()) !== grant.challenge) return this.json(res, 'token', 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    }
    const access = b64url(randomBytes(24));
    this.tokens.set(access, { ...grant, expiresAt: Date.now() + 604_800_000 });
    return this.json(res, 'token', 200, { access_token: access, token_type: 'Bearer', expires_in: 604_800, refresh_token: b64url(randomBytes(24)), scope: grant.scopes.join(' ') });
  }

  private json(res: ServerResponse, what: FakeOAuth['log'][number]['what'], status: number, body: unknown): void {
    this.log.push({ what, status });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
