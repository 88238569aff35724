/** The fake's public shapes (re-exported by index.ts); tests for fleetbot's Discord transport are written against them. */

export interface FakeUser {
  id: string;
  username: string;
  bot?: boolean;
}
export interface FakeRole {
  id: string;
  name: string;
  /** Permission bits as a decimal string, like Discord's; '0' when left out (the @everyone role gets the defaults). */
  permissions?: string;
}
export interface FakeMember {
  user: FakeUser;
  roles: string[];
}
export interface FakeGuild {
  id: string;
  name: string;
  channels: { id: string; name: string }[];
  roles: FakeRole[];
  members: FakeMember[];
}

export interface FakeDiscordOptions {
  applicationId?: string;
  /** Defaults to the application id, as for every bot created since 2020. */
  botUserId?: string;
  botUsername?: string;
  token?: string;
  /** The application's OAuth2 client secret; random when left out (read it from `fake.oauth.clientSecret`). */
  clientSecret?: string;
  /** One guild ("fleet-ops": #ops and #alerts, an operator and a viewer) when left out. */
  guilds?: FakeGuild[];
  /** Discord's is 41 250 ms; shorter makes heartbeats (and zombie detection) happen within a test. */
  heartbeatIntervalMs?: number;
  /** Time allowed for the initial interaction response; Discord's is 3000 ms. */
  ackDeadlineMs?: number;
  /** How long an interaction token works for edits and follow-ups; Discord's is 15 minutes. */
  interactionTokenTtlMs?: number;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  content: Buffer;
  contentType?: string;
  description?: string;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  embeds: any[];
  components: any[];
  attachments: FakeAttachment[];
  /** Message flags: 64 ephemeral, 128 "is thinking…" (a deferred reply not yet edited), 4 embeds suppressed. */
  flags: number;
  allowedMentions?: any;
  createdAt: number;
  editedAt?: number;
  /** The message this one replies to (`message.reply`). */
  replyTo?: string;
  /** The interaction this message answers (initial response, its edits, or a follow-up). */
  interactionId?: string;
}

export interface RecordedCall {
  method: string;
  /** After `/api/v10`, segments decoded (`@original`, not `%40original`). */
  path: string;
  query: Record<string, string>;
  /** The JSON body, or `payload_json` of a multipart body. */
  body: unknown;
  attachments: { field: string; filename: string; size: number; contentType: string; content: Buffer }[];
  /** Whether the call carried `Authorization: Bot <token>` with the right token. */
  authorized: boolean;
  status: number;
  /** Discord's error code when the fake refused the call (e.g. 50035, 10062; 0 for an unknown route); undefined on success and on 429. */
  code?: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
}

export interface InteractionResponse {
  type: number;
  data?: any;
  /** Milliseconds from the user's action (the dispatch) to the callback's arrival. */
  afterMs: number;
}
export interface RejectedCall {
  status: number;
  code: number;
  afterMs: number;
  /** The initial callback, or a webhook call with the interaction token (edit, follow-up). */
  kind: 'callback' | 'webhook';
}

export interface InteractionHandle {
  id: string;
  token: string;
  /** The accepted initial callback. */
  response(timeoutMs?: number): Promise<InteractionResponse>;
  /** The interaction's message once it has content: a type 4 reply, a type 7 update, or the first edit after a deferral. */
  original(timeoutMs?: number): Promise<FakeMessage>;
  waitForOriginal(match: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
  followups(): FakeMessage[];
  rejected(): RejectedCall[];
}

export interface GatewayStats {
  identifies: number;
  resumes: number;
  connections: number;
  /** Intents of the latest IDENTIFY. */
  intents?: number;
}
