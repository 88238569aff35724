import type { DefiConfig } from '../config/index.js';
import { Engine } from './engine.js';
import { executorAddress } from './executor.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * The DeFi engine as the agents and MCP servers of one process share it: opened on first use (so `fleetbot up` stays quiet and
 * offline when RPC_URL or POOLS_FILE is unset) and opened again after a failure.
 * Side effects: the engine's JSON-RPC connection.
 */

export interface DefiRuntime {
  config: DefiConfig;
  /** Why the engine cannot run, in words that say what to set; undefined when it is configured. */
  missing(): string | undefined;
  engine(): Promise<Engine>;
  close(): Promise<void>;
}

function notConfigured(config: DefiConfig): string | undefined {
  const unset = [config.rpcUrl ? undefined : 'RPC_URL', config.poolsFile ? undefined : 'POOLS_FILE'].filter(Boolean);
  return unset.length ? `DeFi is not configured: set ${unset.join(' and ')} (try \`fleetbot devnet\` for a local chain with pools)` : undefined;
}

export function defiRuntime(config: DefiConfig, log: Logger): DefiRuntime {
  let opening: Promise<Engine> | undefined;
  return {
    config,
    missing: () => notConfigured(config),
    engine() {
      const missing = notConfigured(config);
      if (missing) return Promise.reject(new Error(missing));
      opening ??= Engine.open({
        rpcUrl: config.rpcUrl!,
        pools: config.poolsFile!,
        risk: config.risk,
        simulateTop: config.simulateTop,
        // With an executor, simulations run the deployed contract exactly as the executor would send it.
        target: config.executor && { contract: config.executor.contract, from: executorAddress(config.executor.key) },
        onWarning: (message) => log.warn(message),
      });
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
