import { z } from 'zod';

/**
 * Permission levels and the one check every transport uses (slash, `!`, buttons, chat, console).
 * A check returns ok or a user-facing denial; one place (the dispatcher) renders denials.
 */

/** The levels a command can require, lowest first; the one declaration of them (config and commands parse with these). */
export const PermissionSchema = z.enum(['read', 'operate', 'admin']);
export type Permission = z.infer<typeof PermissionSchema>;
/** What a caller holds: a level, or nothing at all. */
export const CallerPermissionSchema = z.enum(['none', ...PermissionSchema.options]);
export type CallerPermission = z.infer<typeof CallerPermissionSchema>;

const PERMISSION_RANK = { none: -1, read: 0, operate: 1, admin: 2 } as const satisfies Record<CallerPermission, number>;

export interface Caller {
  id: string;
  name: string;
  permission: CallerPermission;
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
  fallback: CallerPermission,
): CallerPermission {
  const granted = (['admin', 'operate', 'read'] as const).find(
    (level) => grants[level].users.includes(userId) || grants[level].roles.some((r) => roleIds.includes(r)),
  );
  return granted && PERMISSION_RANK[granted] > PERMISSION_RANK[fallback] ? granted : fallback;
}
