import type { Logger } from '../telemetry/logger.js';

/**
 * The pieces a fleetbot process started, each with how to stop it: the one shutdown sequence of every entry point.
 * `stop()` first tells everyone fleetbot is stopping (`stopping` aborts: no new work, no healing, no restarts), then
 * unwinds the pieces in reverse order of start — agents finish or hand back their jobs, members stop in reverse
 * dependency order, MCP clients close, Redis last. Every step is bounded, and so is the whole: past the grace period
 * (or at `abort()`, a second signal) the sequence ends at once and the caller exits.
 */

/** How long the whole sequence may take: within the 10 s a supervisor is promised, with room for the exit itself. */
export const SHUTDOWN_GRACE_MS = 8000;
/** A step that names no bound of its own gets this much. */
const STEP_MS = 3000;

export interface StopOutcome {
  /** Every step ran (some may have given up after their own bound). */
  complete: boolean;
  /** Steps that did not finish within their bound, or never ran. */
  gaveUp: string[];
  /** Why it ended: 'done', 'grace' (the grace period ran out) or 'aborted' (a second signal). */
  ended: 'done' | 'grace' | 'aborted';
  tookMs: number;
}

interface Step {
  name: string;
  close: () => Promise<unknown>;
  boundMs: number;
}

export class Stack {
  private readonly steps: Step[] = [];
  private readonly controller = new AbortController();
  private stopping_?: Promise<StopOutcome>;
  private abortNow: (reason: 'grace' | 'aborted') => void = () => {};

  constructor(
    readonly log: Logger,
    private readonly graceMs = SHUTDOWN_GRACE_MS,
  ) {}

  /** Aborts when the shutdown begins: whoever takes work or heals stops doing so at once. */
  get stopping(): AbortSignal {
    return this.controller.signal;
  }

  /** `close` runs at shutdown, before what was deferred earlier; it is given up on after `boundMs`. */
  defer(name: string, close: () => Promise<unknown>, { boundMs = STEP_MS }: { boundMs?: number } = {}) {
    this.steps.push({ name, close, boundMs });
  }

  stop(): Promise<StopOutcome> {
    this.stopping_ ??= this.unwind();
    return this.stopping_;
  }

  /** A second signal: the sequence ends now; what is left is left to the exit (the process backend kills members then). */
  abort(): void {
    this.abortNow('aborted');
  }

  private async unwind(): Promise<StopOutcome> {
    const started = Date.now();
    this.controller.abort();
    const ended = new Promise<'grace' | 'aborted'>((resolve) => (this.abortNow = resolve));
    const grace = setTimeout(() => this.abortNow('grace'), this.graceMs);
    const gaveUp: string[] = [];
    let stoppedEarly: 'grace' | 'aborted' | undefined;
    void ended.then((reason) => (stoppedEarly = reason));
    const steps = [...this.steps].reverse();
    for (const [i, step] of steps.entries()) {
      if (stoppedEarly) {
        gaveUp.push(...steps.slice(i).map((s) => s.name));
        break;
      }
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        step.close().then(
          () => 'done' as const,
          (error: unknown) => {
            this.log.warn('error while stopping', { part: step.name, error });
            return 'done' as const;
          },
        ),
        new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), step.boundMs))),
        ended,
      ]);
      clearTimeout(timer);
      this.log.debug('stop step', { part: step.name, outcome, atMs: Date.now() - started });
      if (outcome === 'late') {
        this.log.warn('gave up waiting while stopping', { part: step.name, afterMs: step.boundMs });
        gaveUp.push(step.name);
      } else if (outcome !== 'done') {
        gaveUp.push(step.name);
        stoppedEarly = outcome;
      }
    }
    clearTimeout(grace);
    return { complete: !stoppedEarly, gaveUp, ended: stoppedEarly ?? 'done', tookMs: Date.now() - started };
  }
}
