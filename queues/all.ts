import { defiQueue, executeQueue, riskQueue } from './defi.js';
import { healQueue } from './heal.js';
import { notifyQueue } from './notify.js';
import { opsQueue } from './ops.js';

/** Every queue fleetbot runs, for the views that show them all (dashboard, metrics, the task-queue MCP server). */
export const QUEUE_NAMES = [opsQueue.name, notifyQueue.name, healQueue.name, defiQueue.name, riskQueue.name, executeQueue.name] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
