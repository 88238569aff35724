/**
 * Everything observable in the fake (messages, interaction responses, sessions) changes through one notifier, so a
 * wait is "re-check this probe after every change" instead of one event type per thing a test might wait for.
 */
export class Changes {
  readonly #waiters = new Map<() => void, (error: Error) => void>();
  #closed = false;

  notify(): void {
    for (const check of [...this.#waiters.keys()]) check();
  }

  /** Resolves with the probe's first defined value; the probe is re-run after every change. */
  until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const fail = (error: Error): void => {
        settle();
        reject(error);
      };
      const check = (): void => {
        try {
          const value = probe();
          if (value === undefined) return;
          settle();
          resolve(value);
        } catch (error) {
          fail(error as Error);
        }
      };
      const timer = setTimeout(() => fail(new Error(`fake-discord: timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.#waiters.set(check, fail);
      if (this.#closed) fail(new Error(`fake-discord is closed (was waiting for ${what})`));
      else check();
    });
  }

  /** Fails every pending wait, so a test that forgot to await something gets an error instead of a stray timer. */
  close(): void {
    this.#closed = true;
    for (const fail of [...this.#waiters.values()]) fail(new Error('fake-discord was closed while a test was waiting'));
  }
}
