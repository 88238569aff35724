import { z } from 'zod';
import { MemberNameSchema } from '../config/manifest.js';
import { MemberStatusSchema } from '../state/fleet-status.js';
import { defineQueue, QueueClient } from './typed-queue.js';

/** The `ops` queue: requests against the fleet, answered by the ops agent (the process that runs the fleet). */

export const LOG_LINES_MAX = 5000;

const ToolSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  /** Declared read-only by its server (MCP `readOnlyHint`); anything else may change something. */
  readOnly: z.boolean(),
  inputSchema: z.record(z.string(), z.unknown()),
});
export type ToolInfo = z.infer<typeof ToolSchema>;

const ServerInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  transport: z.enum(['stdio', 'http']),
  tools: z.array(ToolSchema),
  /** Why the tools could not be listed. */
  error: z.string().optional(),
});
export type ServerInfo = z.infer<typeof ServerInfoSchema>;

export const opsQueue = defineQueue({
  name: 'ops',
  defaults: {
    // Ops requests are answered to a waiting user: a retry minutes later would surprise them more than an error.
    attempts: 1,
  },
  jobs: {
    status: {
      payload: z.object({}),
      result: z.object({ members: z.array(MemberStatusSchema), at: z.number() }),
    },
    restart: {
      payload: z.object({
        member: MemberNameSchema,
        requestedBy: z.string(),
        /** When it was asked for: a member started since then is not restarted again (a job run twice acts once). */
        requestedAt: z.number(),
      }),
      result: z.object({
        member: z.string(),
        durationMs: z.number(),
        healthy: z.boolean(),
        reason: z.string().optional(),
        restarts: z.number().int(),
      }),
      // Two restarts of one member asked for at once run once; both callers get that one result.
      options: (payload: { member: string }) => ({ deduplication: { id: `restart-${payload.member}` } }),
    },
    /** Starts a stopped member and waits until it answers (or its start period runs out). */
    start: {
      payload: z.object({ member: MemberNameSchema, requestedBy: z.string() }),
      result: z.object({ member: z.string(), durationMs: z.number(), healthy: z.boolean(), reason: z.string().optional() }),
      options: (payload: { member: string }) => ({ deduplication: { id: `start-${payload.member}` } }),
    },
    stop: {
      payload: z.object({ member: MemberNameSchema, requestedBy: z.string() }),
      result: z.object({ member: z.string(), durationMs: z.number() }),
      options: (payload: { member: string }) => ({ deduplication: { id: `stop-${payload.member}` } }),
    },
    logs: {
      payload: z.object({ member: MemberNameSchema, tail: z.number().int().min(1).max(LOG_LINES_MAX) }),
      result: z.object({ member: z.string(), lines: z.array(z.string()) }),
    },
    servers: {
      payload: z.object({}),
      result: z.object({ servers: z.array(ServerInfoSchema) }),
    },
    call: {
      payload: z.object({ server: MemberNameSchema, tool: z.string().min(1).max(128), args: z.record(z.string(), z.unknown()) }),
      result: z.object({ isError: z.boolean(), text: z.string() }),
    },
  },
});

export type OpsClient = QueueClient<typeof opsQueue.jobs>;
