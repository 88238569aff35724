import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { getAddress, isAddress } from 'ethers';
import type { z } from 'zod';
import type { EnvConfig } from '../../config/index.js';
import { RedisHub } from '../../redis/hub.js';
import { redact } from '../../security/redact.js';
import type { Logger } from '../../telemetry/logger.js';

/**
 * The scaffold of fleetbot's first-party MCP servers: a server is its name and its tools as data, over what the tools
 * share (the DeFi engine, a Redis connection, an RPC provider), opened once per process and closed with it.
 * The registry (servers/index.ts) loads them by name; host.ts serves one over stdio or Streamable HTTP.
 */

export interface OpenServer {
  /** A fresh MCP server over the shared resources; one per session (an McpServer serves one transport). */
  build(): McpServer;
  close(): Promise<void>;
}

export interface ServerDefinition {
  name: string;
  description: string;
  /** Opens what the tools share (Redis, the RPC endpoint). */
  open(config: EnvConfig, log: Logger): Promise<OpenServer>;
}

/** One tool: its description, its arguments (zod, each field described), and what it does. */
export interface Tool {
  description: string;
  input?: z.ZodRawShape;
  /** Default: read-only. A tool that may change something says so (and then needs a human's confirmation). */
  annotations?: ToolAnnotations;
  run(args: never): Promise<CallToolResult>;
}

/** A tool, its arguments typed from its input schema. */
export function tool<Shape extends z.ZodRawShape = Record<never, never>>(spec: {
  description: string;
  input?: Shape;
  annotations?: ToolAnnotations;
  run(args: z.output<z.ZodObject<Shape>>): Promise<CallToolResult>;
}): Tool {
  return spec as Tool;
}

/** A tool's answer: readable text for people and models, the same data structured for programs. */
export function toolResult(text: string, data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: redact(text) }], structuredContent: data };
}

/** A tool failure the model can read and react to (MCP's `isError`), never a thrown protocol error. */
export function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: redact(message) }] };
}

/** Runs `body` with the address checksummed; an argument that is not an address gets a tool error saying so. */
export function withAddress(value: string, body: (address: string) => Promise<CallToolResult>): Promise<CallToolResult> {
  if (!isAddress(value)) return Promise.resolve(toolError(`not an address: "${String(value).slice(0, 64)}" (expected 0x followed by 40 hex digits)`));
  return body(getAddress(value));
}

/** Runs a tool body; any exception becomes a tool error with its message. */
async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    return toolError(error instanceof Error ? error.message : String(error));
  }
}

export interface ServerSpec<Shared> {
  name: string;
  description: string;
  /** Its tools reach outside fleetbot (the chain): MCP's `openWorldHint` on every one. */
  openWorld?: boolean;
  open(config: EnvConfig, log: Logger): Shared | Promise<Shared>;
  close(shared: Shared): Promise<void>;
  tools(shared: Shared, config: EnvConfig): Record<string, Tool>;
}

export function defineServer<Shared>(spec: ServerSpec<Shared>): ServerDefinition {
  return {
    name: spec.name,
    description: spec.description,
    async open(config, log) {
      const shared = await spec.open(config, log);
      const tools = Object.entries(spec.tools(shared, config));
      return {
        build() {
          const server = new McpServer({ name: `fleetbot-${spec.name}`, version: '0.1.0' });
          for (const [name, t] of tools) {
            const annotations = { ...(spec.openWorld ? { openWorldHint: true } : {}), ...(t.annotations ?? { readOnlyHint: true }) };
            server.registerTool(name, { description: t.description, inputSchema: t.input, annotations }, (args: unknown) => guarded(() => t.run(args as never)));
          }
          return server;
        },
        close: () => spec.close(shared),
      };
    },
  };
}

/** A server over fleetbot's Redis (its queues and shared state); what `onClose` names closes before the connection. */
export function redisServer(spec: { name: string; description: string; tools(hub: RedisHub, onClose: (close: () => Promise<void>) => void): Record<string, Tool> }): ServerDefinition {
  return defineServer({
    ...spec,
    open(config) {
      if (!config.redis.url) throw new Error(`the ${spec.name} server needs REDIS_URL`);
      return { hub: new RedisHub(config.redis.url, config.redis.prefix), closers: [] as (() => Promise<void>)[] };
    },
    async close({ hub, closers }) {
      await Promise.all(closers.map((close) => close()));
      await hub.close();
    },
    tools: ({ hub, closers }) => spec.tools(hub, (close) => closers.push(close)),
  });
}
