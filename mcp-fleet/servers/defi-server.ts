import type { DefiConfig } from '../../config/index.js';
import type { Engine } from '../../defi/engine.js';
import { defiRuntime } from '../../defi/runtime.js';
import { defineServer, type ServerDefinition, type Tool } from './server.js';

/** A server over the DeFi engine (opened on first use, again after a failure; see defi/runtime.ts). */
export function defiServer(spec: { name: string; description: string; tools(engine: () => Promise<Engine>, config: DefiConfig): Record<string, Tool> }): ServerDefinition {
  return defineServer({
    ...spec,
    openWorld: true,
    open: (config, log) => defiRuntime(config.defi, log),
    close: (defi) => defi.close(),
    tools: (defi, config) => spec.tools(() => defi.engine(), config.defi),
  });
}
