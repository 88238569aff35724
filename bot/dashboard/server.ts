import type { FastifyReply, FastifyRequest } from 'fastify';
import Fastify from 'fastify';
import type { DiscordConfig } from '../../config/index.js';
import type { Reply } from '../../commands/index.js';
import type { Dispatcher } from '../dispatch.js';
import { QUEUE_NAMES } from '../../queues/all.js';
import type { RedisHub } from '../../redis/hub.js';
import type { AuditLog } from '../../security/audit.js';
import { hasPermission } from '../../security/permissions.js';
import { redactDeep } from '../../security/redact-deep.js';
import { ApiTokenStore } from '../../state/api-tokens.js';
import { WebSessions } from '../../state/web-sessions.js';
import type { Logger } from '../../telemetry/logger.js';
import { collectProcessMetrics, registry } from '../../telemetry/metrics.js';
import { fleetMetricsText } from '../../telemetry/shared-metrics.js';
import { Access, cookie, CookieSigner, readCookie, safeNext, type Viewer } from './access.js';
import { DiscordSignIn, PendingSignInSchema, type PendingSignIn } from './discord-sign-in.js';
import { FleetView } from './fleet-view.js';
import { memberRequest, offeredActions } from './member-actions.js';
import { PAGE_HTML } from './page.js';
import { boardRequest, mountQueueBoards, type BoardRequest } from './queue-board.js';
import { signInPage } from './sign-in-page.js';
import type { FleetWatch } from './watch.js';

/**
 * The dashboard, served by the bot: the live page (updated by server-sent events), Prometheus `/metrics`, Bull Board
 * under `/queues` (read-only) and `/admin/queues` (admins: retries and removals, audited), and `/healthz` / `/readyz`
 * for container checks. People sign in (Discord, or a personal API token) and get a session; the shared dashboard
 * token opens the read-only views and /metrics only. Everything sent is redacted.
 * Side effects: listens on a TCP port; reads Redis; writes sessions and audit entries to Redis.
 */

export interface DashboardOptions {
  host: string;
  port: number;
  /** The shared token: read-only views and /metrics (Prometheus scrapes with it). */
  token: string;
  /** Open the page, its events, the snapshot and /metrics without the token. */
  publicViews: boolean;
  /** The address people open (sign-in redirect URIs, Secure cookies when https); unset: where it listens. */
  url?: string;
  sessionTtlMs?: number;
  sessionSecret?: string;
  /** Set with a sign-in configuration: "Sign in with Discord". */
  discord?: Pick<DiscordConfig, 'guildId' | 'grants' | 'defaultPermission' | 'apiUrl' | 'signIn'>;
  audit: AuditLog;
  /** Set: a member's row offers its actions (member-actions.ts) to those allowed, through the dispatcher. */
  dispatcher?: Dispatcher;
  watch: FleetWatch;
  hub: RedisHub;
  log: Logger;
}

const OPEN = new Set(['/healthz', '/readyz', '/sign-in', '/auth/discord', '/auth/discord/callback', '/auth/token', '/auth/sign-out']);
const VIEWS = new Set(['/', '/events', '/api/snapshot', '/metrics']);
const OAUTH_COOKIE = 'fleetbot_oauth';
const OAUTH_TTL_MS = 10 * 60_000;
/** How often the snapshot is looked at while someone watches; it is sent when it changed (or every few seconds). */
const LOOK_EVERY_MS = 250;
const SEND_AT_LEAST_EVERY_MS = 5000;

const pathOf = (request: FastifyRequest) => request.url.split('?')[0]!;

export async function startDashboard(options: DashboardOptions): Promise<{ url: string; close(): Promise<void> }> {
  collectProcessMetrics();
  const { watch, hub, audit } = options;
  const app = Fastify({ logger: false });
  const queues = QUEUE_NAMES.map((name) => hub.queue(name));
  const signer = new CookieSigner(options.sessionSecret);
  let base = options.url ?? '';
  const secure = (request: FastifyRequest) => base.startsWith('https:') || request.protocol === 'https';
  const access = new Access({
    sessions: new WebSessions(hub),
    tokens: new ApiTokenStore(hub),
    signer,
    sharedToken: options.token,
    publicViews: options.publicViews,
    sessionTtlMs: options.sessionTtlMs ?? 8 * 3600_000,
    origins: (request) => [new URL(base).origin, `${request.protocol}://${request.headers.host ?? ''}`],
    secure,
  });
  const signIn = options.discord?.signIn && options.discord.guildId
    ? new DiscordSignIn({ ...options.discord.signIn, guildId: options.discord.guildId, grants: options.discord.grants, defaultPermission: options.discord.defaultPermission, apiUrl: options.discord.apiUrl })
    : undefined;
  const viewers = new WeakMap<FastifyRequest, Viewer>();
  const actions = new WeakMap<FastifyRequest, Extract<BoardRequest, { kind: 'action' }>>();
  const record = async (viewer: Viewer, command: string, args: Record<string, unknown>, outcome: 'ok' | 'failed' | 'denied', detail: string) => {
    try {
      await audit.record({ at: Date.now(), user: { id: viewer.caller.id, name: viewer.caller.name }, via: 'dashboard', channel: 'web', command, args, outcome, detail });
    } catch (error) {
      options.log.error('audit write failed', { command, user: viewer.caller.id, error });
    }
  };
  const refuse = (reply: FastifyReply, status: number, message: string) => reply.code(status).type('text/plain; charset=utf-8').send(`fleetbot dashboard: ${message}\n`);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request);
    if (OPEN.has(path)) return;
    const given = (request.query as { token?: unknown } | undefined)?.token;
    if (typeof given === 'string') {
      // A link with a token: trade it for a session, and keep the token out of the address bar, history and cookie.
      const identified = await access.identify(given);
      if (!identified) return refuse(reply.header('www-authenticate', 'Bearer'), 401, 'that token is not valid (sign in at /sign-in)');
      await access.open(reply, request, identified, identified.scope === 'views' ? 'shared-token' : identified.caller.id);
      return reply.redirect(safeNext(path));
    }
    const viewer = await access.viewer(request, VIEWS.has(path));
    if (!viewer) {
      if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) return reply.redirect(`/sign-in?next=${encodeURIComponent(safeNext(request.url))}`);
      return refuse(reply.header('www-authenticate', 'Bearer'), 401, 'sign in first (a session, or a bearer token)');
    }
    viewers.set(request, viewer);
    if (!['GET', 'HEAD'].includes(request.method) && viewer.by === 'cookie' && !access.sameOrigin(request)) {
      return refuse(reply, 403, 'a change must come from the dashboard itself (cross-site request refused)');
    }
    if (VIEWS.has(path)) return;
    if (viewer.scope !== 'person') return refuse(reply, 403, 'the shared dashboard token opens the read-only views and /metrics only; sign in as yourself for the rest');
    const board = boardRequest(request.method, path);
    if (!board) return;
    if (board.kind === 'refused') {
      await record(viewer, board.command, board.args, 'denied', 'not offered from the web');
      return refuse(reply, 403, 'this is not offered from the web: jobs enter the queues only through fleetbot\'s commands');
    }
    const check = hasPermission(viewer.caller, board.needs);
    if (!check.ok) {
      if (board.kind === 'action') await record(viewer, board.command, board.args, 'denied', check.message);
      return refuse(reply, 403, check.message);
    }
    if (board.kind === 'action') actions.set(request, board);
  });
  app.addHook('onResponse', async (request, reply) => {
    const action = actions.get(request);
    const viewer = viewers.get(request);
    if (action && viewer) await record(viewer, action.command, action.args, reply.statusCode < 400 ? 'ok' : 'failed', `HTTP ${reply.statusCode}`);
  });
  // Bull Board's answers carry job data and errors: redacted like every other surface.
  app.addHook('onSend', async (request, reply, payload) => {
    const board = boardRequest(request.method, pathOf(request));
    if (!board || typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').includes('json')) return payload;
    try {
      return JSON.stringify(redactDeep(JSON.parse(payload)));
    } catch {
      return payload;
    }
  });

  app.get('/sign-in', async (request, reply) => {
    const next = safeNext((request.query as { next?: unknown }).next);
    return reply.type('text/html; charset=utf-8').send(signInPage({ next, discord: signIn !== undefined }));
  });
  app.post('/auth/token', async (request, reply) => {
    if (!access.sameOrigin(request)) return refuse(reply, 403, 'sign in from the dashboard\'s own page');
    const body = (request.body ?? {}) as { token?: unknown; next?: unknown };
    const next = safeNext(body.next);
    const identified = typeof body.token === 'string' ? await access.identify(body.token.trim()) : undefined;
    if (!identified) return reply.code(401).type('text/html; charset=utf-8').send(signInPage({ next, discord: signIn !== undefined, error: 'That token is not valid.' }));
    await access.open(reply, request, identified, identified.scope === 'views' ? 'shared-token' : identified.caller.id);
    return reply.redirect(next, 303);
  });
  app.post('/auth/sign-out', async (request, reply) => {
    if (!access.sameOrigin(request)) return refuse(reply, 403, 'sign out from the dashboard\'s own page');
    await access.close(reply, request, await access.viewer(request, false));
    return reply.redirect('/sign-in', 303);
  });
  const redirectUri = () => `${base}/auth/discord/callback`;
  app.get('/auth/discord', async (request, reply) => {
    if (!signIn) return refuse(reply, 404, 'sign-in with Discord is not configured');
    const { url, pending } = signIn.begin(redirectUri(), safeNext((request.query as { next?: unknown }).next));
    const value = signer.sign(Buffer.from(JSON.stringify(pending)).toString('base64url'));
    reply.header('set-cookie', cookie(OAUTH_COOKIE, value, { secure: secure(request), maxAgeMs: OAUTH_TTL_MS, path: '/auth' }));
    return reply.redirect(url.toString());
  });
  app.get('/auth/discord/callback', async (request, reply) => {
    if (!signIn) return refuse(reply, 404, 'sign-in with Discord is not configured');
    const query = request.query as { code?: unknown; state?: unknown; error?: unknown };
    const pending = readPending(signer.unsign(readCookie(request, OAUTH_COOKIE)));
    reply.header('set-cookie', cookie(OAUTH_COOKIE, '', { secure: secure(request), maxAgeMs: 0, path: '/auth' }));
    if (typeof query.error === 'string') return refuse(reply, 403, 'Discord sign-in was cancelled');
    if (!pending || typeof query.code !== 'string' || query.state !== pending.state) return refuse(reply, 400, 'this sign-in is stale or was not started here; start again at /sign-in');
    let caller;
    try {
      caller = await signIn.finish(redirectUri(), query.code, pending);
    } catch (error) {
      options.log.warn('discord sign-in failed', { error: error instanceof Error ? error.message : String(error) });
      return refuse(reply, 502, 'Discord sign-in failed; try again');
    }
    if (caller.permission === 'none') return refuse(reply, 403, `${caller.name} holds no fleetbot permission in its Discord server`);
    await access.open(reply, request, { caller, scope: 'person' }, 'discord');
    options.log.info('signed in', { user: caller.id, permission: caller.permission });
    return reply.redirect(pending.next);
  });
  // Member actions from the page: the same road as a Discord button — the dispatcher checks, asks, runs and audits.
  const replyText = (reply: Reply) => ({ tone: reply.tone, text: reply.title });
  app.post('/api/members/:member/:action', async (request, reply) => {
    const { member, action } = request.params as { member: string; action: string };
    const asked = memberRequest(viewers.get(request)!.caller, member, action, request.body);
    if (!options.dispatcher || !asked) return refuse(reply, 404, 'no such action');
    const outcome = await options.dispatcher.prepare(asked);
    if (outcome.kind === 'refused') return reply.code(403).send({ refused: replyText(outcome.reply) });
    if (outcome.kind === 'confirm') return reply.code(202).send({ confirmation: { id: outcome.confirmation.id, question: outcome.confirmation.question } });
    return { reply: replyText(await outcome.run()) };
  });
  app.post('/api/confirmations/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const answer = (request.body as { answer?: unknown } | undefined)?.answer;
    if (!options.dispatcher || (answer !== 'confirm' && answer !== 'cancel')) return refuse(reply, 400, 'answer confirm or cancel');
    const outcome = await options.dispatcher.answer(id, viewers.get(request)!.caller, answer);
    if (outcome.kind === 'refused') return reply.code(403).send({ refused: replyText(outcome.reply) });
    if (outcome.kind === 'confirmed') return { reply: replyText(await outcome.run()) };
    return reply.code(409).send({ answered: outcome.kind });
  });
  app.get('/api/me', async (request) => {
    const viewer = viewers.get(request)!;
    const me = { name: viewer.caller.name, permission: viewer.caller.permission, scope: viewer.scope };
    // The row's buttons this person may press: the dispatcher's own permission check, asked ahead (no dispatcher: none).
    return options.dispatcher ? { ...me, actions: await offeredActions(options.dispatcher, viewer.caller) } : me;
  });

  app.get('/healthz', async () => 'ok\n');
  app.get('/readyz', async (_request, reply) => {
    try {
      await hub.client.ping();
      return 'ready\n';
    } catch (error) {
      return reply.code(503).send(`not ready: ${(error as Error).message}\n`);
    }
  });
  app.get('/metrics', async (_request, reply) => {
    FleetView.setGauges(await watch.snapshot());
    return reply.type(registry.contentType).send(await fleetMetricsText(hub));
  });
  app.get('/api/snapshot', async () => redactDeep(await watch.snapshot()));
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE_HTML));
  // One look at the fleet serves every open page: snapshots are read only while someone watches.
  const watchers = new Set<(data: string) => void>();
  let looking: NodeJS.Timeout | undefined;
  let last = { key: '', sentAt: 0, data: '' };
  const look = async () => {
    try {
      const snapshot = redactDeep(await watch.snapshot());
      const { at: _at, ...content } = snapshot;
      const key = JSON.stringify(content);
      if (key === last.key && Date.now() - last.sentAt < SEND_AT_LEAST_EVERY_MS) return;
      last = { key, sentAt: Date.now(), data: JSON.stringify(snapshot) };
      for (const send of watchers) send(last.data);
    } catch (error) {
      options.log.debug('dashboard snapshot failed', { error });
    }
  };
  app.get('/events', (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (data: string) => reply.raw.write(`data: ${data}\n\n`);
    if (last.data) send(last.data);
    watchers.add(send);
    looking ??= setInterval(() => void look(), LOOK_EVERY_MS);
    void look();
    request.raw.on('close', () => {
      watchers.delete(send);
      if (watchers.size === 0) {
        clearInterval(looking);
        looking = undefined;
      }
    });
  });

  await mountQueueBoards(app, queues);

  const address = await app.listen({ host: options.host, port: options.port });
  base ||= address;
  options.log.info('dashboard listening', { url: address });
  return {
    url: address,
    async close() {
      clearInterval(looking);
      await app.close();
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}

function readPending(value: string | undefined): PendingSignIn | undefined {
  if (!value) return undefined;
  try {
    return PendingSignInSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
}
