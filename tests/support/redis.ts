import { randomUUID } from 'node:crypto';
import { RedisHub } from '../../redis/hub.js';

/** Real Redis with a unique key prefix per test, removed afterwards (like BullMQ's own tests). */

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function testHub(url = TEST_REDIS_URL): RedisHub {
  return new RedisHub(url, `fbtest-${randomUUID().slice(0, 8)}`);
}

export async function dropHub(hub: RedisHub): Promise<void> {
  const redis = hub.client;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${hub.prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await hub.close();
}
