import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../telemetry/logger.js';
import type { FleetBackend } from './backends/index.js';
import type { Member } from '../config/manifest.js';
import { StreamTransport } from './stream-transport.js';

/**
 * One MCP client per fleet member, over stdio or Streamable HTTP, connected on first use and again after the
 * member restarts. Calls in flight when a member dies fail at once: the pool closes the dead run's session (the
 * SDK's HTTP client would otherwise wait for a stream to resume until the call times out).
 * The SDK does not ping by itself; the health agent does, through `ping`.
 * Side effects: opens MCP sessions to fleet members.
 */

export interface PoolOptions {
  log: Logger;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
}

interface Connection {
  client: Client;
  instance: string;
  tools?: Tool[];
}

class McpUnavailableError extends Error {}

export class McpPool {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly mcpMembers: Set<string>;

  constructor(
    private readonly backend: FleetBackend,
    members: Member[],
    private readonly options: PoolOptions,
  ) {
    this.mcpMembers = new Set(members.filter((m) => m.kind === 'mcp').map((m) => m.name));
    void (async () => {
      for await (const event of backend.events()) if (event.type === 'died') await this.dropStale(event.member);
    })();
  }

  has(name: string): boolean {
    return this.mcpMembers.has(name);
  }

  private async connection(name: string): Promise<Connection> {
    if (!this.mcpMembers.has(name)) throw new McpUnavailableError(`${name} is not an MCP server`);
    // A session belongs to one run of the member; after a restart it is replaced, whatever order events arrive in.
    await this.dropStale(name);
    let pending = this.connections.get(name);
    if (!pending) {
      const fresh = this.open(name);
      fresh.catch(() => {
        if (this.connections.get(name) === fresh) this.connections.delete(name);
      });
      this.connections.set(name, fresh);
      pending = fresh;
    }
    return pending;
  }

  private async open(name: string): Promise<Connection> {
    const endpoint = this.backend.endpoint(name);
    if (!endpoint) throw new McpUnavailableError(`${name} is not running`);
    const transport =
      endpoint.transport === 'http'
        ? new StreamableHTTPClientTransport(new URL(endpoint.url))
        : new StreamTransport(endpoint.input, endpoint.output);
    const connection: Connection = { client: undefined as unknown as Client, instance: endpoint.instance };
    const client = new Client(
      { name: 'fleetbot', version: '0.1.0' },
      {
        capabilities: {},
        listChanged: {
          tools: {
            onChanged: (error, tools) => {
              if (!error && tools) connection.tools = tools;
            },
          },
        },
      },
    );
    connection.client = client;
    client.onerror = (error) => this.options.log.debug('mcp transport error', { member: name, error });
    try {
      await client.connect(transport, { timeout: this.options.connectTimeoutMs ?? 5000 });
    } catch (error) {
      await client.close().catch(() => {});
      throw new McpUnavailableError(`cannot connect to ${name}: ${describe(error)}`);
    }
    client.onclose = () => {
      void this.connections.get(name)?.then((current) => {
        if (current === connection) this.connections.delete(name);
      }, () => {});
    };
    this.options.log.debug('mcp connected', { member: name, transport: endpoint.transport });
    return connection;
  }

  async tools(name: string): Promise<Tool[]> {
    const connection = await this.connection(name);
    if (!connection.tools) {
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await connection.client.listTools(cursor ? { cursor } : {}, { timeout: this.options.callTimeoutMs ?? 30_000 });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      connection.tools = tools;
    }
    return connection.tools;
  }

  async callTool(name: string, tool: string, args: Record<string, unknown>, timeoutMs = this.options.callTimeoutMs ?? 30_000): Promise<CallToolResult> {
    const connection = await this.connection(name);
    try {
      return (await connection.client.callTool({ name: tool, arguments: args }, undefined, { timeout: timeoutMs })) as CallToolResult;
    } catch (error) {
      throw new McpUnavailableError(`${name}.${tool} failed: ${describe(error)}`);
    }
  }

  /** Round-trip time of one ping in ms (connecting first, if needed, is not counted). */
  async ping(name: string, timeoutMs: number): Promise<number> {
    const connection = await this.connection(name);
    const began = performance.now();
    try {
      await connection.client.ping({ timeout: timeoutMs });
      return performance.now() - began;
    } catch (error) {
      throw new McpUnavailableError(`${name} did not answer ping: ${describe(error)}`);
    }
  }

  /** Closes the member's session if it belongs to a run that is over (events may arrive after a new run began). */
  private async dropStale(name: string): Promise<void> {
    const pending = this.connections.get(name);
    const current = await pending?.catch(() => undefined);
    if (current && current.instance !== this.backend.endpoint(name)?.instance && this.connections.get(name) === pending) {
      this.connections.delete(name);
      await current.client.close().catch(() => {});
    }
  }

  private async drop(name: string): Promise<void> {
    const pending = this.connections.get(name);
    this.connections.delete(name);
    const connection = await pending?.catch(() => undefined);
    await connection?.client.close().catch(() => {});
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((name) => this.drop(name)));
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The SDK prefixes its own code ("MCP error -32001: Request timed out"); keep the words users need.
  return message.replace(/^MCP error -?\d+: /, '').replace(/^fetch failed$/, 'connection refused');
}
