import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, readBody, type UploadedFile } from './body.js';
import { DiscordHttpError, discordError } from './errors.js';
import type { RateLimits } from './rate-limits.js';
import type { RecordedCall } from './types.js';

/**
 * The REST side: routes under /api/v10, bodies parsed (JSON or multipart), `Authorization: Bot <token>` checked where
 * Discord checks it, 429s injected before a route runs, and every call recorded with the status it got.
 */

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** `/channels/:channel/messages/:message` → `{ channel: string; message: string }`. */
type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name | keyof PathParams<`/${Rest}`>]: string }
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : Record<never, string>;

export interface RouteRequest<Params> {
  params: Params;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
  receivedAt: number;
}
export type RouteResult = { status: 200 | 201; body: unknown } | { status: 204 };

export interface Route {
  method: Method;
  /** Interaction callbacks and webhook calls carry no Authorization header; everything else needs the bot token. */
  auth: 'bot' | 'none';
  match(segments: string[]): Record<string, string> | undefined;
  handle(req: RouteRequest<Record<string, string>>): RouteResult | Promise<RouteResult>;
}

export function route<P extends string>(
  method: Method,
  pattern: P,
  auth: 'bot' | 'none',
  handle: (req: RouteRequest<PathParams<P>>) => RouteResult | Promise<RouteResult>,
): Route {
  const parts = pattern.split('/').slice(1);
  return {
    method,
    auth,
    match(segments) {
      if (segments.length !== parts.length) return undefined;
      const params: Record<string, string> = {};
      for (const [i, part] of parts.entries()) {
        const segment = segments[i] ?? '';
        if (part.startsWith(':')) params[part.slice(1)] = segment;
        else if (part !== segment) return undefined;
      }
      return params;
    },
    handle: handle as Route['handle'],
  };
}

export const ok = (body: unknown): RouteResult => ({ status: 200, body });
export const noContent = (): RouteResult => ({ status: 204 });

export interface RestOptions {
  routes: Route[];
  token: string;
  rateLimits: RateLimits;
  calls: RecordedCall[];
  /** Attachment bytes for the CDN-style URLs messages carry (`/attachments/{channel}/{id}/{name}`). */
  attachment(channelId: string, attachmentId: string): { content: Buffer; contentType?: string } | undefined;
  onChange(): void;
}

/** Versioned as discord.js calls it, or unversioned as Discord's channel webhook URLs are written. */
const API_PREFIX = /^\/api(?:\/v10)?\//;

export function restHandler(options: RestOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void serve(options, req, res).catch((error: unknown) => {
      // A bug in the fake itself: answer like Discord's 500 so discord.js fails loudly instead of hanging.
      console.error('fake-discord internal error', error);
      if (!res.headersSent) send(res, 500, { code: 0, message: '500: Internal Server Error' });
    });
  };
}

async function serve(options: RestOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const receivedAt = Date.now();
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = (req.method ?? 'GET').toUpperCase();
  const raw = await readBody(req);

  const cdn = /^\/attachments\/(\d+)\/(\d+)\/[^/]+$/.exec(url.pathname);
  if (method === 'GET' && cdn) {
    const file = options.attachment(cdn[1] ?? '', cdn[2] ?? '');
    if (!file) return send(res, 404, { code: 0, message: '404: Not Found' });
    res.writeHead(200, { 'content-type': file.contentType || 'application/octet-stream' });
    res.end(file.content);
    return;
  }

  const prefix = API_PREFIX.exec(url.pathname)?.[0];
  const path = prefix ? `/${url.pathname.slice(prefix.length)}` : url.pathname;
  const call: RecordedCall = {
    method,
    path: path.split('/').map(safeDecode).join('/'),
    query: Object.fromEntries(url.searchParams),
    body: undefined,
    attachments: [],
    authorized: req.headers.authorization === `Bot ${options.token}`,
    status: 0,
    at: receivedAt,
  };
  try {
    const parsed = await parseBody(req.headers['content-type'], raw);
    call.body = parsed.json;
    call.attachments = parsed.files.map((f) => ({ field: f.field, filename: f.filename, size: f.content.length, contentType: f.contentType, content: f.content }));
    if (!prefix) throw discordError('notFound');
    const segments = call.path.split('/').slice(1);
    const candidates = options.routes.map((r) => ({ route: r, params: r.match(segments) })).filter((c) => c.params !== undefined);
    if (candidates.length === 0) throw discordError('notFound');
    const found = candidates.find((c) => c.route.method === method);
    if (!found?.params) throw discordError('methodNotAllowed');
    if (found.route.auth === 'bot' && !call.authorized) throw discordError('unauthorized');
    const limited = options.rateLimits.take(method, call.path);
    if (limited) {
      call.status = 429;
      res.writeHead(429, { 'content-type': 'application/json', ...limited.headers });
      res.end(JSON.stringify(limited.body));
      return;
    }
    const result = await found.route.handle({ params: found.params, query: url.searchParams, body: parsed.json, files: parsed.files, receivedAt });
    call.status = result.status;
    if (result.status === 204) {
      // No content-type on a 204: discord.js would try to parse the empty body as JSON and fail.
      res.writeHead(204);
      res.end();
    } else send(res, result.status, result.body);
  } catch (error) {
    if (!(error instanceof DiscordHttpError)) {
      call.status = 500;
      throw error;
    }
    call.status = error.status;
    call.code = error.body.code;
    send(res, error.status, error.body);
  } finally {
    options.calls.push(call);
    options.onChange();
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
