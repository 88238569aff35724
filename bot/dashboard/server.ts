import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { QUEUE_NAMES } from '../../queues/all.js';
import type { RedisHub } from '../../redis/hub.js';
import type { Logger } from '../../telemetry/logger.js';
import { registry } from '../../telemetry/metrics.js';
import { fleetMetricsText } from '../../telemetry/shared-metrics.js';
import { FleetView } from './fleet-view.js';
import { PAGE_HTML } from './page.js';
import type { FleetWatch } from './watch.js';

/**
 * The dashboard, served by the bot: the live page (updated by server-sent events), Prometheus `/metrics`, Bull Board
 * under `/queues`, and `/healthz` / `/readyz` for container checks. Everything but the health checks needs the
 * token (a bearer header, a cookie set from `?token=`); read-only views may be opened to all by config — Bull Board
 * never, since it can retry and remove jobs.
 * Side effects: listens on a TCP port; reads Redis.
 */

export interface DashboardOptions {
  host: string;
  port: number;
  token: string;
  /** Open the page, its events, the snapshot and /metrics without the token. */
  publicViews: boolean;
  watch: FleetWatch;
  hub: RedisHub;
  log: Logger;
}

const COOKIE = 'fleetbot_dashboard';
const READ_ONLY = new Set(['/', '/events', '/api/snapshot', '/metrics']);
const OPEN = new Set(['/healthz', '/readyz']);
/** How often the snapshot is looked at while someone watches; it is sent when it changed (or every few seconds). */
const LOOK_EVERY_MS = 250;
const SEND_AT_LEAST_EVERY_MS = 5000;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function presented(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  const cookie = request.headers.cookie?.split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`));
  if (cookie) return decodeURIComponent(cookie.slice(COOKIE.length + 1));
  return (request.query as { token?: string } | undefined)?.token;
}

export async function startDashboard(options: DashboardOptions): Promise<{ url: string; close(): Promise<void> }> {
  const { watch, hub, token } = options;
  const app = Fastify({ logger: false });
  const queues = QUEUE_NAMES.map((name) => hub.queue(name));

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    if (OPEN.has(path) || (options.publicViews && READ_ONLY.has(path))) return;
    const given = presented(request);
    if (!given || !same(given, token)) {
      reply.code(401).header('www-authenticate', 'Bearer').type('text/plain').send('fleetbot dashboard: a token is required (open the link fleetbot printed at start)\n');
      return reply;
    }
    if ((request.query as { token?: string } | undefined)?.token) {
      // Keep the token out of the address bar and history: a cookie carries it from now on.
      reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`).redirect(path);
      return reply;
    }
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
  app.get('/api/snapshot', async () => watch.snapshot());
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE_HTML));
  // One look at the fleet serves every open page: snapshots are read only while someone watches.
  const watchers = new Set<(data: string) => void>();
  let looking: NodeJS.Timeout | undefined;
  let last = { key: '', sentAt: 0, data: '' };
  const look = async () => {
    try {
      const snapshot = await watch.snapshot();
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

  const board = new FastifyAdapter();
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });
  board.setBasePath('/queues');
  await app.register(board.registerPlugin(), { prefix: '/queues' });

  const address = await app.listen({ host: options.host, port: options.port });
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
