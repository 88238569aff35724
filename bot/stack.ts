import type { Logger } from '../telemetry/logger.js';

/** The pieces a fleetbot process started, each with how to stop it; `stop()` unwinds them in reverse order. */
export class Stack {
  private readonly closers: { name: string; close: () => Promise<unknown> }[] = [];
  private stopping?: Promise<void>;

  constructor(readonly log: Logger) {}

  defer(name: string, close: () => Promise<unknown>) {
    this.closers.push({ name, close });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, close } of this.closers.reverse()) {
        try {
          await close();
        } catch (error) {
          this.log.warn('error while stopping', { part: name, error });
        }
      }
    })();
    return this.stopping;
  }
}
