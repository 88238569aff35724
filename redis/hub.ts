import { Queue, type QueueOptions } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * Redis connections for BullMQ and for fleetbot's own keys (health, audit, heartbeats), all under one prefix.
 * Side effects: opens TCP connections to Redis; `close()` ends every one it opened.
 */
export class RedisHub {
  private readonly opened = new Set<Redis>();
  private shared?: Redis;

  constructor(
    readonly url: string,
    readonly prefix: string,
  ) {}

  /** A new connection; BullMQ workers and blocking readers each need their own. */
  connect(): Redis {
    // maxRetriesPerRequest: null is what BullMQ workers require; commands then wait for Redis to come back
    // instead of failing, and callers bound the wait with their own timeouts.
    const redis = new Redis(this.url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
    redis.on('error', () => {
      // ioredis reconnects by itself; without a listener a refused connection would crash the process.
    });
    this.opened.add(redis);
    redis.once('end', () => this.opened.delete(redis));
    return redis;
  }

  /** One connection shared by non-blocking commands. */
  get client(): Redis {
    this.shared ??= this.connect();
    return this.shared;
  }

  /**
   * A BullMQ queue on the shared connection. Its 'error' events (Redis going away and coming back, which ioredis
   * rides out by itself) are absorbed here; unheard, BullMQ would print each one.
   */
  queue(name: string, options: Omit<QueueOptions, 'connection' | 'prefix'> = {}): Queue {
    const queue = new Queue(name, { ...options, connection: this.client, prefix: this.prefix });
    queue.on('error', () => {});
    return queue;
  }

  /** `prefix:part:part` — fleetbot's own keys, next to the BullMQ queues under the same prefix. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async close(): Promise<void> {
    await Promise.all([...this.opened].map((redis) => redis.quit().catch(() => redis.disconnect())));
    this.opened.clear();
    this.shared = undefined;
  }
}
