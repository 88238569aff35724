import type { ServerDefinition } from './server.js';

/** fleetbot's first-party MCP servers, each run by `fleetbot serve <name>` as a fleet member. Their scaffold: server.ts. */

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
  // fleetbot new server <name> adds its line above this one.
} satisfies Record<string, () => Promise<{ default: ServerDefinition }>>;

const SERVER_NAMES = Object.keys(LOADERS);

export async function loadServer(name: string): Promise<ServerDefinition> {
  const load = LOADERS[name as keyof typeof LOADERS];
  if (!load) throw new Error(`unknown server "${name}"; servers: ${SERVER_NAMES.join(', ')}`);
  return (await load()).default;
}
