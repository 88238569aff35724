import type { Permission } from '../config/index.js';

/**
 * Permission levels and the one check every transport uses (slash, `!`, buttons, chat, console).
 * A check returns ok or a user-facing denial; one place (the dispatcher) renders denials.
 */

export const PERMISSION_RANK = { read: 0, operate: 1, admin: 2 } as const satisfies Record<Permission, number>;

export interface Caller {
  id: string;
  name: string;
  permission: Permission;
  /** console, discord, chat … */
  via: string;
}

export type Check = { ok: true } | { ok: false; code: 'forbidden'; message: string };

export function hasPermission(caller: Caller, needed: Permission): Check {
  if (PERMISSION_RANK[caller.permission] >= PERMISSION_RANK[needed]) return { ok: true };
  return { ok: false, code: 'forbidden', message: `you need the \`${needed}\` permission for this (you have \`${caller.permission}\`)` };
}
