import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../telemetry/logger.js';
import { isCluster, type FleetBackend, type McpEndpoint } from './backends/index.js';
import type { Member } from '../config/manifest.js';
import { StreamTransport } from './stream-transport.js';

/**
 * One MCP client per running replica of a fleet member (one for a member that has no replicas), over stdio or
 * Streamable HTTP, connected on first use and again after the replica restarts. Tool calls go round the replicas in
 * rotation; a replica that dies or stops answering leaves the rotation at once (its calls in flight fail over to
 * another replica when that is safe: the call never reached it, or the tool is declared read-only) and rejoins as
 * soon as it answers a ping again — the pool pings benched replicas itself. Calls in flight when a member dies fail at
 * once: the pool closes the dead run's session (the SDK's HTTP client would otherwise wait for a stream to resume).
 * The SDK does not ping by itself; the health agent does, through `ping`.
 * Side effects: opens MCP sessions to fleet members; pings benched replicas.
 */

export interface PoolOptions {
  log: Logger;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** How often a benched replica is pinged to see whether it answers again. */
  reprobeMs?: number;
}

interface Connection {
  client: Client;
  instance: string;
  tools?: Tool[];
}

interface Replica {
  endpoint: McpEndpoint;
  connection?: Promise<Connection>;
  /** Out of the rotation since, and why. */
  benched?: { at: number; reason: string };
}

/** A replica as the pool sees it: for `/status` and the healer. */
export interface ReplicaView {
  instance: string;
  url?: string;
  inRotation: boolean;
  reason?: string;
  benchedAt?: number;
}

class McpUnavailableError extends Error {}

const TRANSPORT_CODES = new Set([ErrorCode.ConnectionClosed, ErrorCode.RequestTimeout]);
/** How long a call that may go again waits for a replica in rotation. */
const FAILOVER_WAIT_MS = 10_000;

export class McpPool {
  private readonly replicas = new Map<string, Map<string, Replica>>();
  private readonly cursor = new Map<string, number>();
  private readonly readOnlyTools = new Map<string, Set<string>>();
  private readonly mcpMembers: Set<string>;
  private reprobe?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly backend: FleetBackend,
    members: Member[],
    private readonly options: PoolOptions,
  ) {
    const mcpMembers = new Set(members.filter((m) => m.kind === 'mcp').map((m) => m.name));
    this.mcpMembers = mcpMembers;
    void (async () => {
      for await (const event of backend.events()) {
        if (event.type !== 'died' || !mcpMembers.has(event.member)) continue;
        // A replica's death takes it out at once, before the backend's own view catches up.
        const replica = event.task && this.replicas.get(event.member)?.get(event.task.id);
        if (replica) this.bench(event.member, replica, 'died');
        await this.sync(event.member);
      }
    })();
  }

  has(name: string): boolean {
    return this.mcpMembers.has(name);
  }

  private endpointsOf(name: string): McpEndpoint[] {
    if (isCluster(this.backend)) return this.backend.endpoints(name);
    const endpoint = this.backend.endpoint(name);
    return endpoint ? [endpoint] : [];
  }

  /** The member's replicas as the backend runs them now: sessions of runs that are over are closed. */
  private async sync(name: string): Promise<Map<string, Replica>> {
    if (!this.mcpMembers.has(name)) throw new McpUnavailableError(`${name} is not an MCP server`);
    let replicas = this.replicas.get(name);
    if (!replicas) this.replicas.set(name, (replicas = new Map()));
    const endpoints = this.endpointsOf(name);
    const live = new Set(endpoints.map((e) => e.instance));
    const gone = [...replicas].filter(([instance]) => !live.has(instance));
    for (const [instance] of gone) replicas.delete(instance);
    for (const endpoint of endpoints) if (!replicas.has(endpoint.instance)) replicas.set(endpoint.instance, { endpoint });
    await Promise.all(gone.map(([, replica]) => this.disconnect(replica)));
    return replicas;
  }

  /** The next replica in rotation, skipping `tried`; undefined when none is left. */
  private async pick(name: string, tried: Set<string>): Promise<Replica | undefined> {
    const replicas = [...(await this.sync(name)).values()];
    let candidates = replicas.filter((r) => !r.benched && !tried.has(r.endpoint.instance));
    // Every replica out (a member of one, say): try them anyway rather than fail without trying.
    if (!candidates.length && !tried.size) candidates = replicas;
    if (!candidates.length) {
      if (!replicas.length && !tried.size) throw new McpUnavailableError(`${name} is not running`);
      return undefined;
    }
    const turn = this.cursor.get(name) ?? 0;
    this.cursor.set(name, turn + 1);
    return candidates[turn % candidates.length];
  }

  private connect(name: string, replica: Replica): Promise<Connection> {
    if (!replica.connection) {
      const fresh = this.open(name, replica.endpoint);
      fresh.catch(() => {
        if (replica.connection === fresh) replica.connection = undefined;
      });
      replica.connection = fresh;
    }
    return replica.connection;
  }

  private async open(name: string, endpoint: McpEndpoint): Promise<Connection> {
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
      const replica = this.replicas.get(name)?.get(endpoint.instance);
      void replica?.connection?.then((current) => {
        if (current === connection && replica.connection) replica.connection = undefined;
      }, () => {});
    };
    this.options.log.debug('mcp connected', { member: name, transport: endpoint.transport, instance: endpoint.instance });
    return connection;
  }

  /**
   * Runs `action` on a replica in rotation. A replica that fails for a transport reason (refused, closed, timed out)
   * leaves the rotation; the action moves on to the next one if `retry` says that is safe for this failure.
   */
  private async onReplica<T>(name: string, what: string, action: (connection: Connection) => Promise<T>, retry: (error: unknown) => boolean | Promise<boolean>): Promise<T> {
    const tried = new Set<string>();
    // A rolling restart can leave no replica in rotation for a moment (the new one still starting): a call that may
    // go again waits for one, up to a bound, rather than fail.
    const deadline = Date.now() + Math.min(this.options.callTimeoutMs ?? 30_000, FAILOVER_WAIT_MS);
    let last: unknown;
    for (;;) {
      const replica = await this.pick(name, tried);
      if (!replica) {
        if (Date.now() > deadline) throw last instanceof McpUnavailableError ? last : new McpUnavailableError(`${what} failed: ${last ? describe(last) : `no replica of ${name} answers`}`);
        await new Promise((r) => setTimeout(r, 100));
        tried.clear();
        continue;
      }
      tried.add(replica.endpoint.instance);
      let connection: Connection | undefined;
      try {
        connection = await this.connect(name, replica);
        return await action(connection);
      } catch (error) {
        if (error instanceof McpError && !TRANSPORT_CODES.has(error.code)) throw new McpUnavailableError(`${what} failed: ${describe(error)}`);
        last = error instanceof McpUnavailableError ? error : new McpUnavailableError(`${what} failed: ${describe(error)}`);
        this.bench(name, replica, describe(error));
        // Not even connected: nothing was sent, so another replica may have it.
        if (connection && !(await retry(error))) throw last;
      }
    }
  }

  async tools(name: string): Promise<Tool[]> {
    return this.onReplica(
      name,
      `${name}: listing tools`,
      async (connection) => {
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
      },
      () => true,
    );
  }

  async callTool(name: string, tool: string, args: Record<string, unknown>, timeoutMs = this.options.callTimeoutMs ?? 30_000): Promise<CallToolResult> {
    // Known before the call, so that a failure can be judged without asking a replica then.
    if (isCluster(this.backend) && !this.readOnlyTools.has(name)) await this.readOnly(name, tool);
    return this.onReplica(
      name,
      `${name}.${tool}`,
      async (connection) => (await connection.client.callTool({ name: tool, arguments: args }, undefined, { timeout: timeoutMs })) as CallToolResult,
      // Again on another replica only if this one never got the call, or the tool says calling it twice is harmless.
      async (error) => neverDelivered(error) || (await this.readOnly(name, tool)),
    );
  }

  /** Whether the member's server declares the tool read-only (MCP `readOnlyHint`); the answer is kept per member. */
  private async readOnly(name: string, tool: string): Promise<boolean> {
    let known = this.readOnlyTools.get(name);
    if (!known) {
      const tools = await this.tools(name).catch(() => undefined);
      if (!tools) return false;
      known = new Set(tools.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name));
      this.readOnlyTools.set(name, known);
    }
    return known.has(tool);
  }

  /**
   * Pings every replica: those that answer are in the rotation, those that do not leave it. Returns the fastest
   * round trip in ms (connecting first, if needed, is not counted); throws if no replica answered.
   */
  async ping(name: string, timeoutMs: number): Promise<number> {
    const replicas = [...(await this.sync(name)).values()];
    if (!replicas.length) throw new McpUnavailableError(`${name} is not running`);
    const results = await Promise.all(replicas.map((replica) => this.pingReplica(name, replica, timeoutMs)));
    const answered = results.filter((r): r is number => typeof r === 'number');
    if (answered.length) return Math.min(...answered);
    throw new McpUnavailableError(`${name} did not answer ping: ${results.find((r) => typeof r === 'string')}`);
  }

  /** Round trip of one replica, or why it failed; the replica joins or leaves the rotation accordingly. */
  private async pingReplica(name: string, replica: Replica, timeoutMs: number): Promise<number | string> {
    try {
      const connection = await this.connect(name, replica);
      const began = performance.now();
      await connection.client.ping({ timeout: timeoutMs });
      const latency = performance.now() - began;
      if (replica.benched) this.options.log.info('replica back in rotation', { member: name, instance: replica.endpoint.instance });
      replica.benched = undefined;
      return latency;
    } catch (error) {
      this.bench(name, replica, describe(error));
      return describe(error);
    }
  }

  /** Every running replica of the member and whether it is in the rotation. */
  async replicasOf(name: string): Promise<ReplicaView[]> {
    return [...(await this.sync(name)).values()].map((r) => ({
      instance: r.endpoint.instance,
      ...(r.endpoint.transport === 'http' ? { url: r.endpoint.url } : {}),
      inRotation: !r.benched,
      ...(r.benched ? { reason: r.benched.reason, benchedAt: r.benched.at } : {}),
    }));
  }

  private bench(name: string, replica: Replica, reason: string): void {
    if (!replica.benched) {
      replica.benched = { at: Date.now(), reason };
      this.options.log.info('replica out of rotation', { member: name, instance: replica.endpoint.instance, reason });
    }
    // A session that failed is not trusted again: the next use connects afresh.
    void this.disconnect(replica);
    this.scheduleReprobe();
  }

  /** While any replica is benched, ping the benched ones now and then: one that answers rejoins. */
  private scheduleReprobe(): void {
    if (this.reprobe || this.closed) return;
    this.reprobe = setTimeout(async () => {
      const benched = [...this.replicas].flatMap(([name, replicas]) => [...replicas.values()].filter((r) => r.benched).map((r) => [name, r] as const));
      await Promise.all(benched.map(async ([name, replica]) => {
        await this.sync(name).catch(() => undefined);
        if (this.replicas.get(name)?.get(replica.endpoint.instance) === replica) await this.pingReplica(name, replica, this.options.connectTimeoutMs ?? 5000);
      }));
      this.reprobe = undefined;
      if ([...this.replicas.values()].some((rs) => [...rs.values()].some((r) => r.benched))) this.scheduleReprobe();
    }, this.options.reprobeMs ?? 500);
    this.reprobe.unref();
  }

  private async disconnect(replica: Replica): Promise<void> {
    const pending = replica.connection;
    replica.connection = undefined;
    const connection = await pending?.catch(() => undefined);
    await connection?.client.close().catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reprobe);
    await Promise.all([...this.replicas.values()].flatMap((replicas) => [...replicas.values()].map((r) => this.disconnect(r))));
    this.replicas.clear();
  }
}

/** The request never reached the server: nothing was connected to (refused, no route), so trying elsewhere is safe. */
function neverDelivered(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') return true;
  }
  return /ECONNREFUSED|connection refused|cannot connect to/i.test(String((error as Error)?.message));
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The SDK prefixes its own code ("MCP error -32001: Request timed out"); keep the words users need.
  return message.replace(/^MCP error -?\d+: /, '').replace(/^fetch failed$/, 'connection refused');
}
