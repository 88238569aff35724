import type { EnvConfig } from '../../config/index.js';
import { notConfigured } from '../../agents/defi-runtime.js';
import { Engine } from '../../defi/engine.js';

/**
 * The engine as the DeFi MCP servers open it: on the first tool call (so a server starts and answers pings with the
 * chain down), again after a failure. Side effects: JSON-RPC to RPC_URL.
 */
export function lazyEngine(config: EnvConfig): { get(): Promise<Engine>; close(): Promise<void> } {
  let opening: Promise<Engine> | undefined;
  return {
    get() {
      const missing = notConfigured(config.defi);
      if (missing) return Promise.reject(new Error(missing));
      opening ??= Engine.open({ rpcUrl: config.defi.rpcUrl!, pools: config.defi.poolsFile!, risk: config.defi.risk, simulateTop: config.defi.simulateTop });
      const current = opening;
      current.catch(() => {
        if (opening === current) opening = undefined;
      });
      return current;
    },
    async close() {
      (await opening?.catch(() => undefined))?.close();
    },
  };
}

export const readOnly = { readOnlyHint: true, openWorldHint: true };
