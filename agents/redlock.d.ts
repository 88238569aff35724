// redlock 5 ships its types, but its package.json `exports` does not point at them: what fleetbot uses, declared.
declare module 'redlock' {
  import type { EventEmitter } from 'node:events';

  export interface Lock {
    /** Epoch ms when the lock runs out unless extended. */
    readonly expiration: number;
    release(): Promise<unknown>;
    extend(duration: number): Promise<Lock>;
  }

  export default class Redlock extends EventEmitter {
    constructor(clients: Iterable<unknown>, settings?: { driftFactor?: number; retryCount?: number; retryDelay?: number; retryJitter?: number });
    acquire(resources: string[], duration: number): Promise<Lock>;
  }
}
