import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Permission } from '../../security/permissions.js';

/**
 * Bull Board, twice: `/queues` read-only (its UI offers no action) for anyone signed in with `read`, and
 * `/admin/queues` for admins, where exactly three actions are let through — retry a job, retry a queue's failed jobs,
 * remove a job — each checked and audited like a command. Adding, cleaning, emptying, obliterating, pausing,
 * promoting and editing are never offered: jobs enter the queues only through the dispatcher.
 */

export const BOARD = '/queues';
export const ADMIN_BOARD = '/admin/queues';

/** What a request to a board is: a look, one of the allowed actions (audited), or something never offered. */
export type BoardRequest =
  | { kind: 'look'; needs: Permission }
  | { kind: 'action'; needs: 'admin'; command: string; args: Record<string, string> }
  | { kind: 'refused'; command: string; args: Record<string, string> };

const ACTIONS: { pattern: RegExp; command: string; args: (m: RegExpExecArray) => Record<string, string> }[] = [
  { pattern: /^\/api\/queues\/([^/]+)\/retry\/(failed)$/, command: 'queues.retry-all', args: (m) => ({ queue: m[1]!, status: m[2]! }) },
  { pattern: /^\/api\/queues\/([^/]+)\/([^/]+)\/retry$/, command: 'queues.retry', args: (m) => ({ queue: m[1]!, job: m[2]! }) },
  { pattern: /^\/api\/queues\/([^/]+)\/([^/]+)\/clean$/, command: 'queues.remove', args: (m) => ({ queue: m[1]!, job: m[2]! }) },
];

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Classifies a request under a board's prefix (`path` without the query string). */
export function boardRequest(method: string, path: string): BoardRequest | undefined {
  const admin = path === ADMIN_BOARD || path.startsWith(`${ADMIN_BOARD}/`);
  if (!admin && path !== BOARD && !path.startsWith(`${BOARD}/`)) return undefined;
  if (method === 'GET' || method === 'HEAD') return { kind: 'look', needs: admin ? 'admin' : 'read' };
  const rest = path.slice((admin ? ADMIN_BOARD : BOARD).length);
  const tried = `queues.${method.toLowerCase()} ${rest.slice(0, 120)}`;
  if (!admin) return { kind: 'refused', command: tried, args: {} };
  for (const action of ACTIONS) {
    const m = action.pattern.exec(rest);
    if (m && method === 'PUT') return { kind: 'action', needs: 'admin', command: action.command, args: Object.fromEntries(Object.entries(action.args(m)).map(([k, v]) => [k, decode(v)])) };
  }
  return { kind: 'refused', command: tried, args: {} };
}

export async function mountQueueBoards(app: FastifyInstance, queues: Queue[]): Promise<void> {
  const mount = async (prefix: string, readOnlyMode: boolean) => {
    const board = new FastifyAdapter();
    createBullBoard({
      queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode, allowRetries: !readOnlyMode })),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: readOnlyMode ? 'fleetbot queues' : 'fleetbot queues (admin)' } },
    });
    board.setBasePath(prefix);
    await app.register(board.registerPlugin(), { prefix });
  };
  await mount(BOARD, true);
  await mount(ADMIN_BOARD, false);
}
