import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { EnvConfig } from '../../config/index.js';
import { redact } from '../../security/redact.js';
import type { Logger } from '../../telemetry/logger.js';

/** fleetbot's first-party MCP servers, each run by `fleetbot serve <name>` as a fleet member. */

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

/** Each server is loaded only when served, so a member starts without loading the others' libraries. */
const LOADERS = {
  blockchain: () => import('./blockchain.js'),
  monitoring: () => import('./monitoring.js'),
  'task-queue': () => import('./task-queue.js'),
  'price-feed': () => import('./price-feed.js'),
  liquidity: () => import('./liquidity.js'),
  arbitrage: () => import('./arbitrage.js'),
  'flash-loan': () => import('./flash-loan.js'),
  'risk-manager': () => import('./risk-manager.js'),
  portfolio: () => import('./portfolio.js'),
  'auth-manager': () => import('./auth-manager.js'),
  'alert-manager': () => import('./alert-manager.js'),
  'metrics-collector': () => import('./metrics-collector.js'),
  'log-aggregator': () => import('./log-aggregator.js'),
  coordinator: () => import('./coordinator.js'),
} satisfies Record<string, () => Promise<{ default: ServerDefinition }>>;

export const SERVER_NAMES = Object.keys(LOADERS);

export async function loadServer(name: string): Promise<ServerDefinition> {
  const load = LOADERS[name as keyof typeof LOADERS];
  if (!load) throw new Error(`unknown server "${name}"; servers: ${SERVER_NAMES.join(', ')}`);
  return (await load()).default;
}

/** A tool's answer: readable text for people and models, the same data structured for programs. */
/** Annotations of a tool that reads the chain and changes nothing. */
export const readOnly = { readOnlyHint: true, openWorldHint: true };

export function toolResult(text: string, data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: redact(text) }], structuredContent: data };
}

/** A tool failure the model can read and react to (MCP's `isError`), never a thrown protocol error. */
export function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: redact(message) }] };
}

/** Runs a tool body; any exception becomes a tool error with its message. */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    return toolError(error instanceof Error ? error.message : String(error));
  }
}
