import path from 'node:path';
import type { EnvConfig } from '../config/index.js';
import { describeOpportunity } from '../defi/describe.js';
import { Engine } from '../defi/engine.js';

/** `fleetbot scan`: one scan, every candidate that covers its costs simulated; the text or JSON to print. */
export async function scanOnce(config: EnvConfig, options: { rpc: string; pools: string; json?: boolean }): Promise<string> {
  const engine = await Engine.open({
    rpcUrl: options.rpc,
    pools: path.resolve(options.pools),
    risk: config.defi.risk,
    // Every profitable opportunity, not just the best few the scanner agent simulates per block.
    simulateTop: Number.POSITIVE_INFINITY,
    onWarning: (message) => process.stderr.write(`fleetbot: ${message}\n`),
  });
  try {
    const scan = await engine.scan();
    if (options.json) return `${JSON.stringify(scan.opportunities, null, 2)}\n`;
    const head = `block ${scan.block}: ${scan.pools} pools, ${scan.cycles} cycles, ${scan.opportunities.length} profitable after fees and gas (${scan.timings.totalMs.toFixed(1)} ms)`;
    return [head, ...scan.opportunities.map(describeOpportunity), ''].join('\n');
  } finally {
    engine.close();
  }
}
