import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This process among every fleetbot process sharing a Redis. Host name and pid alone are not enough: containers on
 * the host network share the host's name, and each numbers its pids from 1.
 */
export const PROCESS_INSTANCE = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
