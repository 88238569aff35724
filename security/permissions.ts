import type { Permission } from '../config/index.js';

/**
 * Permission levels and the one check every transport uses (slash, `!`, buttons, chat, console).
 * A check returns ok or a user-facing denial; one place (the dispatcher) renders denials.
 */

export const PERMISSION_RANK = { none: -1, read: 0, operate: 1, admin: 2 } as const satisfies Record<Permission | 'none', number>;

export interface Caller {
  id: string;
  name: string;
  permission: Permission | 'none';
  /** console, discord, chat … */
  via: string;
  /** How this caller could get a level, in the transport's words (e.g. "the `ops` role"). */
  grantHint?: Partial<Record<Permission, string>>;
}

export type Check = { ok: true } | { ok: false; code: 'forbidden'; message: string };

export function hasPermission(caller: Caller, needed: Permission): Check {
  if (PERMISSION_RANK[caller.permission] >= PERMISSION_RANK[needed]) return { ok: true };
  const hint = caller.grantHint?.[needed];
  return {
    ok: false,
    code: 'forbidden',
    message: hint ? `you need ${hint} for this` : `you need the \`${needed}\` permission for this (you have \`${caller.permission}\`)`,
  };
}

/** The highest level the user's id or roles are granted, never below `fallback` (what everyone has). */
export function highestGrant(
  grants: Record<Permission, { roles: string[]; users: string[] }>,
  userId: string,
  roleIds: readonly string[],
  fallback: Permission | 'none',
): Permission | 'none' {
  const granted = (['admin', 'operate', 'read'] as const).find(
    (level) => grants[level].users.includes(userId) || grants[level].roles.some((r) => roleIds.includes(r)),
  );
  return granted && PERMISSION_RANK[granted] > PERMISSION_RANK[fallback] ? granted : fallback;
}
