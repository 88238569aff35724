import { UnrecoverableError } from 'bullmq';
import type { Engine } from '../defi/engine.js';
import type { DefiRuntime } from '../defi/runtime.js';

/**
 * The engine for a DeFi job. Not configured, unknown tokens, RPC down: the user reads why, and the job is not
 * retried — the same job again would not help.
 */
export async function openEngine(defi: DefiRuntime): Promise<Engine> {
  try {
    return await defi.engine();
  } catch (error) {
    throw new UnrecoverableError((error as Error).message);
  }
}
