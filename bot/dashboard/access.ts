import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiTokenStore } from '../../state/api-tokens.js';
import type { WebSession, WebSessions } from '../../state/web-sessions.js';
import type { Caller } from '../../security/permissions.js';

/**
 * Who is looking at the dashboard, and what that lets them see. People are named: a Discord sign-in or a personal
 * API token opens a session, kept in Redis; the browser holds only a signed random session id (HttpOnly, SameSite=Lax,
 * Secure behind TLS, expiring). The shared dashboard token (and Prometheus) gets the read-only views and /metrics,
 * nothing else. A state-changing request sent with the cookie must come from the dashboard's own origin (CSRF).
 */

export const SESSION_COOKIE = 'fleetbot_session';

export interface Viewer {
  caller: Caller;
  /** `views`: the page, its stream, the snapshot and /metrics only; `person`: a named person, up to their permission. */
  scope: WebSession['scope'];
  /** How the request proved it: a cookie can be sent by another site's form, a header cannot. */
  by: 'cookie' | 'bearer' | 'public';
  sessionId?: string;
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Signs and reads back cookie values with the dashboard's secret (so a forged or altered cookie is just absent). */
export class CookieSigner {
  private readonly secret: Buffer;
  constructor(secret?: string) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
  }
  sign(value: string): string {
    return `${value}.${createHmac('sha256', this.secret).update(value).digest('base64url')}`;
  }
  unsign(signed: string | undefined): string | undefined {
    if (!signed) return undefined;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const value = signed.slice(0, dot);
    return same(this.sign(value), signed) ? value : undefined;
  }
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const found = request.headers.cookie?.split(/;\s*/).find((c) => c.startsWith(`${name}=`));
  if (!found) return undefined;
  try {
    return decodeURIComponent(found.slice(name.length + 1));
  } catch {
    return undefined;
  }
}

export interface CookieOptions {
  secure: boolean;
  maxAgeMs?: number;
  path?: string;
}

export function cookie(name: string, value: string, { secure, maxAgeMs, path = '/' }: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'HttpOnly', 'SameSite=Lax', `Path=${path}`];
  if (maxAgeMs !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`);
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * Where to go after signing in: a path on this site, or `/`. `//evil.example/`, `/\evil.example`, `https://…`,
 * control characters — anything a browser could read as another host — becomes `/`.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\\\s\x00-\x1f\x7f]/.test(next)) return '/';
  try {
    const url = new URL(next, 'http://dashboard.invalid');
    return url.origin === 'http://dashboard.invalid' ? `${url.pathname}${url.search}` : '/';
  } catch {
    return '/';
  }
}

/** The origin a browser request claims (Origin, else Referer), for the same-origin check on changes. */
function claimedOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (origin && origin !== 'null') return origin;
  try {
    return request.headers.referer ? new URL(request.headers.referer).origin : undefined;
  } catch {
    return undefined;
  }
}

export interface AccessOptions {
  sessions: WebSessions;
  tokens: ApiTokenStore;
  signer: CookieSigner;
  sharedToken: string;
  publicViews: boolean;
  sessionTtlMs: number;
  /** The dashboard's own origin(s): where people open it. */
  origins(request: FastifyRequest): string[];
  secure(request: FastifyRequest): boolean;
}

export class Access {
  constructor(private readonly o: AccessOptions) {}

  /** The viewer a request proves to be, if any: a session cookie, or a bearer token (shared or personal). */
  async viewer(request: FastifyRequest, isView: boolean): Promise<Viewer | undefined> {
    const id = this.o.signer.unsign(readCookie(request, SESSION_COOKIE));
    const session = id ? await this.o.sessions.get(id) : undefined;
    if (session && id) return { caller: callerOf(session), scope: session.scope, by: 'cookie', sessionId: id };
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const given = header.slice(7);
      const opened = await this.identify(given);
      if (opened) return { ...opened, by: 'bearer' };
    }
    if (this.o.publicViews && isView) return { caller: { id: 'public', name: 'anyone', permission: 'read', via: 'dashboard' }, scope: 'views', by: 'public' };
    return undefined;
  }

  /** What a presented token is: the shared dashboard token (views), or a person's API token. */
  async identify(given: string): Promise<Omit<Viewer, 'by'> | undefined> {
    if (same(given, this.o.sharedToken)) return { caller: { id: 'dashboard-token', name: 'dashboard token', permission: 'read', via: 'dashboard' }, scope: 'views' };
    const token = await this.o.tokens.verify(given);
    if (!token) return undefined;
    return { caller: { id: `token:${token.name}`, name: token.name, permission: token.permission, via: 'dashboard' }, scope: 'person' };
  }

  /** Opens a session for a viewer and sets its cookie on the reply. */
  async open(reply: FastifyReply, request: FastifyRequest, viewer: Omit<Viewer, 'by'>, source: string): Promise<void> {
    const permission = viewer.caller.permission;
    if (permission === 'none') throw new Error('a session needs a permission');
    const { id } = await this.o.sessions.open(
      { user: { id: viewer.caller.id, name: viewer.caller.name }, permission, source, scope: viewer.scope },
      this.o.sessionTtlMs,
    );
    reply.header('set-cookie', cookie(SESSION_COOKIE, this.o.signer.sign(id), { secure: this.o.secure(request), maxAgeMs: this.o.sessionTtlMs }));
  }

  async close(reply: FastifyReply, request: FastifyRequest, viewer: Viewer | undefined): Promise<void> {
    if (viewer?.sessionId) await this.o.sessions.close(viewer.sessionId);
    reply.header('set-cookie', cookie(SESSION_COOKIE, '', { secure: this.o.secure(request), maxAgeMs: 0 }));
  }

  /** A change sent by a browser carries this site's origin; a cookie alone (another site's form) is not enough. */
  sameOrigin(request: FastifyRequest): boolean {
    const claimed = claimedOrigin(request);
    return claimed !== undefined && this.o.origins(request).includes(claimed);
  }
}

function callerOf(session: WebSession): Caller {
  return { id: session.user.id, name: session.user.name, permission: session.permission, via: 'dashboard' };
}
