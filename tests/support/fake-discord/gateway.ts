import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { GatewayStats } from './types.js';

/**
 * Gateway v10 (JSON, uncompressed) on the REST server's port: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats,
 * sequence numbers, RESUME with replay, and dropping connections on demand so tests can watch the client resume.
 */

export const INTENTS = { guilds: 1 << 0, guildMembers: 1 << 1, guildMessages: 1 << 9, messageContent: 1 << 15 } as const;
const OP = { dispatch: 0, heartbeat: 1, identify: 2, presenceUpdate: 3, voiceStateUpdate: 4, resume: 6, requestGuildMembers: 8, invalidSession: 9, hello: 10, heartbeatAck: 11 } as const;
/** Closes by the client that end the session for good; anything else (discord.js's 4200, a dead socket) keeps it resumable. */
const FINAL_CLIENT_CLOSES = new Set([1000, 1001]);

interface Frame {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}
interface Session {
  id: string;
  intents: number;
  seq: number;
  /** Every dispatch of the session, so a RESUME can replay what the client missed. */
  log: Frame[];
  socket?: WebSocket;
  ended: boolean;
}
interface Connection {
  socket: WebSocket;
  session?: Session;
}
/** What a session receives of a dispatch, given its intents (undefined: nothing, as Discord filters by intent). */
export type DispatchBuilder = (intents: number) => unknown;

export interface GatewayOptions {
  /** The gateway shares the REST port: GET /gateway/bot and READY's `resume_gateway_url` give this URL. */
  url: string;
  token: string;
  heartbeatIntervalMs: number;
  /** READY's `d` for a new session (user, application, guilds as unavailable). */
  ready(sessionId: string, resumeUrl: string): unknown;
  /** GUILD_CREATE payloads, one per guild. */
  guildCreates(): unknown[];
  /** Members for op 8 (REQUEST_GUILD_MEMBERS), by query prefix or ids. */
  members(guildId: string, query: { query?: string; userIds?: string[]; limit: number }): { members: unknown[]; notFound: string[] };
  onChange(): void;
}

export class Gateway {
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  readonly #connections = new Set<Connection>();
  readonly #stats: GatewayStats = { identifies: 0, resumes: 0, connections: 0 };

  constructor(private readonly options: GatewayOptions) {}

  get url(): string {
    return this.options.url;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
  }

  stats(): GatewayStats {
    return { ...this.#stats };
  }

  /** True once a session is identified and connected (READY and GUILD_CREATEs sent). */
  connected(): boolean {
    return [...this.#sessions.values()].some((s) => !s.ended && s.socket);
  }

  /** Sends a dispatch to every session that has not ended; a disconnected session keeps it for its RESUME. */
  dispatch(t: string, build: DispatchBuilder): void {
    for (const session of this.#sessions.values()) {
      if (session.ended) continue;
      const d = build(session.intents);
      if (d !== undefined) this.#emit(session, t, d);
    }
  }

  /**
   * Ends every connection abnormally. 'close' sends close code 4000 (unknown error) and 'terminate' destroys the TCP
   * socket as a network failure does: the session stays resumable. 'invalidate' ends the session and sends op 9
   * (invalid session, not resumable), as Discord does when a session is gone: the client must identify again.
   */
  drop(how: 'close' | 'terminate' | 'invalidate'): void {
    for (const connection of this.#connections) {
      const { session, socket } = connection;
      if (session?.socket === socket) delete session.socket;
      if (how === 'invalidate') {
        if (session) session.ended = true;
        this.#send(socket, { op: OP.invalidSession, d: false, s: null, t: null });
      } else if (how === 'close') socket.close(4000, 'Unknown error.');
      else socket.terminate();
    }
  }

  async close(): Promise<void> {
    for (const session of this.#sessions.values()) session.ended = true;
    for (const { socket } of this.#connections) socket.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: WebSocket, req: IncomingMessage): void {
    this.#stats.connections += 1;
    const connection: Connection = { socket };
    this.#connections.add(connection);
    // A client vanishing mid-frame is expected in these tests; it must not become an unhandled error.
    socket.on('error', () => {});
    socket.on('close', (code) => this.#closed(connection, code));
    socket.on('message', (data) => this.#receive(connection, data.toString()));
    const params = new URL(req.url ?? '/', 'ws://fake').searchParams;
    if (params.get('v') !== '10') return socket.close(4012, 'Invalid API version.');
    if ((params.get('encoding') ?? 'json') !== 'json' || params.has('compress')) return socket.close(4002, 'Only uncompressed JSON is faked.');
    this.#send(socket, { op: OP.hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ['fake-discord'] }, s: null, t: null });
  }

  #closed(connection: Connection, code: number): void {
    this.#connections.delete(connection);
    const { session } = connection;
    if (session?.socket === connection.socket) {
      delete session.socket;
      if (FINAL_CLIENT_CLOSES.has(code)) session.ended = true;
    }
    this.options.onChange();
  }

  #receive(connection: Connection, text: string): void {
    let payload: { op?: unknown; d?: any };
    try {
      payload = JSON.parse(text);
    } catch {
      return connection.socket.close(4002, 'Error while decoding payload.');
    }
    switch (payload.op) {
      case OP.heartbeat:
        return this.#send(connection.socket, { op: OP.heartbeatAck, d: null, s: null, t: null });
      case OP.identify:
        return this.#identify(connection, payload.d);
      case OP.resume:
        return this.#resume(connection, payload.d);
      case OP.requestGuildMembers:
        if (!connection.session) return connection.socket.close(4003, 'Not authenticated.');
        return this.#requestMembers(connection.session, payload.d);
      case OP.presenceUpdate:
      case OP.voiceStateUpdate:
        if (!connection.session) return connection.socket.close(4003, 'Not authenticated.');
        return;
      default:
        return connection.socket.close(4001, 'Unknown opcode.');
    }
  }

  #identify(connection: Connection, d: { token?: unknown; intents?: unknown } | undefined): void {
    if (connection.session) return connection.socket.close(4005, 'Already authenticated.');
    if (!this.#tokenMatches(d?.token)) return connection.socket.close(4004, 'Authentication failed.');
    if (typeof d?.intents !== 'number') return connection.socket.close(4013, 'Invalid intent(s).');
    const session: Session = { id: randomBytes(16).toString('hex'), intents: d.intents, seq: 0, log: [], socket: connection.socket, ended: false };
    connection.session = session;
    this.#sessions.set(session.id, session);
    this.#stats.identifies += 1;
    this.#stats.intents = d.intents;
    this.#emit(session, 'READY', this.options.ready(session.id, this.options.url));
    // Discord sends GUILD_CREATE only with the GUILDS intent; discord.js then stops waiting for guilds at once.
    if (session.intents & INTENTS.guilds) for (const guild of this.options.guildCreates()) this.#emit(session, 'GUILD_CREATE', guild);
    this.options.onChange();
  }

  #resume(connection: Connection, d: { token?: unknown; session_id?: unknown; seq?: unknown } | undefined): void {
    if (connection.session) return connection.socket.close(4005, 'Already authenticated.');
    const session = typeof d?.session_id === 'string' ? this.#sessions.get(d.session_id) : undefined;
    if (!session || session.ended || !this.#tokenMatches(d?.token)) {
      // Not resumable: discord.js reconnects and identifies anew.
      return this.#send(connection.socket, { op: OP.invalidSession, d: false, s: null, t: null });
    }
    session.socket?.close(4000, 'Session resumed elsewhere.');
    session.socket = connection.socket;
    connection.session = session;
    this.#stats.resumes += 1;
    const after = typeof d?.seq === 'number' ? d.seq : 0;
    for (const frame of session.log) if (frame.s > after) this.#send(connection.socket, frame);
    this.#emit(session, 'RESUMED', { _trace: ['fake-discord'] });
    this.options.onChange();
  }

  #requestMembers(session: Session, d: { guild_id?: unknown; query?: unknown; user_ids?: unknown; limit?: unknown; nonce?: unknown } | undefined): void {
    const guildId = String(d?.guild_id);
    const userIds = d?.user_ids === undefined ? undefined : ([] as string[]).concat(d.user_ids as string | string[]);
    const { members, notFound } = this.options.members(guildId, {
      ...(typeof d?.query === 'string' ? { query: d.query } : {}),
      ...(userIds ? { userIds } : {}),
      limit: typeof d?.limit === 'number' ? d.limit : 0,
    });
    this.#emit(session, 'GUILD_MEMBERS_CHUNK', { guild_id: guildId, members, chunk_index: 0, chunk_count: 1, not_found: notFound, ...(d?.nonce ? { nonce: d.nonce } : {}) });
  }

  #tokenMatches(token: unknown): boolean {
    return typeof token === 'string' && token.replace(/^Bot\s+/i, '') === this.options.token;
  }

  #emit(session: Session, t: string, d: unknown): void {
    const frame: Frame = { op: OP.dispatch, t, s: ++session.seq, d };
    session.log.push(frame);
    if (session.socket) this.#send(session.socket, frame);
  }

  #send(socket: WebSocket, payload: unknown): void {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }
}
