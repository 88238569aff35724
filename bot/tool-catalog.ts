import type { Member } from '../config/manifest.js';
import type { OpsClient, ServerInfo } from '../queues/ops.js';
import type { Permission } from '../security/permissions.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * The fleet's MCP tools as the bot knows them, and how far each is trusted. A tool counts as read-only only when
 * the manifest says so (`tools:` on the member) or it is one of fleetbot's own servers' tools declared read-only in
 * fleetbot's code; a third-party server's own `readOnlyHint` is its word about itself, not trusted. The listing
 * comes from the ops agent (which holds the MCP sessions) and is cached briefly.
 */

const CACHE_MS = 30_000;

/** fleetbot's own servers: `fleetbot serve X` on processes, `serve X` after the fleetbot image's entrypoint. */
function isFirstParty(member: Member): boolean {
  const [first, second] = member.command ?? [];
  return (first === 'fleetbot' && second === 'serve') || (member.image !== undefined && first === 'serve');
}

export class ToolCatalog {
  private cache?: { at: number; servers: Promise<ServerInfo[]> };
  private readonly members: Map<string, Member>;

  constructor(
    private readonly deps: { members: readonly Member[]; ops: OpsClient; timeoutMs: number; log: Logger },
  ) {
    this.members = new Map(deps.members.map((m) => [m.name, m]));
  }

  /** Every server's tools (a server that could not list them says why); a failed listing is retried next time. */
  servers(): Promise<ServerInfo[]> {
    if (!this.cache || Date.now() - this.cache.at > CACHE_MS) {
      const servers = this.deps.ops.request('servers', {}, Math.min(this.deps.timeoutMs, 10_000)).then((r) => r.servers);
      servers.catch(() => (this.cache = undefined));
      this.cache = { at: Date.now(), servers };
    }
    return this.cache.servers;
  }

  /** The permission a call of this tool needs. */
  readonly trust = async (server: string, tool: string): Promise<Permission> => {
    const member = this.members.get(server);
    const declared = member?.tools[tool];
    if (declared) return declared;
    if (!member || !isFirstParty(member)) return 'operate';
    try {
      const info = (await this.servers()).find((s) => s.name === server)?.tools.find((t) => t.name === tool);
      return info?.readOnly ? 'read' : 'operate';
    } catch (error) {
      // Unknown is not read-only: without the listing, the tool needs operate.
      this.deps.log.warn('tool listing unavailable; treating the tool as a change', { server, tool, error });
      return 'operate';
    }
  };
}
