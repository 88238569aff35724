import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { listAgents } from '../state/heartbeats.js';
import type { RedisHub } from '../redis/hub.js';

/**
 * `fleetbot backup` and `fleetbot restore`: what fleetbot keeps in Redis that a lost volume would lose, in one file.
 * Every key is copied with DUMP inside one MULTI, so the file is one consistent moment; restore loads every key with
 * RESTORE inside one MULTI, so no reader sees half of it. Live state that rebuilds itself (heartbeats, health, the fleet status,
 * published metrics, rate limits) and BullMQ's queues (jobs in flight, transient by design) stay out.
 * Side effects: reads (backup) or writes (restore) keys under the configured prefix; writes or reads the file.
 */

/** Bumped when the file's meaning changes; restore reads only this version. */
const BACKUP_FORMAT_VERSION = 1;
const FORMAT = 'fleetbot-backup';

type RedisType = 'string' | 'hash' | 'set' | 'zset' | 'list' | 'stream';

/**
 * The key families kept, by their owners' names (relative to the prefix). BullMQ's `heal` and `defi` queues share
 * their prefix with the healer's and the scanner's keys: the names and types below single out the latter.
 */
const FAMILIES = [
  { family: 'audit', owner: 'security/audit.ts', match: /^audit$/, types: ['stream'] },
  { family: 'silences', owner: 'state/silences.ts', match: /^silences$/, types: ['hash'] },
  { family: 'alert-state', owner: 'bot/notifier/alert-book.ts', match: /^alert-state$/, types: ['hash'] },
  { family: 'healer', owner: 'state/heal-state.ts', match: /^heal:(paused|last|crash-loop-alerts)$/, types: ['hash', 'set'] },
  { family: 'healer', owner: 'state/heal-state.ts', match: /^heal:(incidents|streak):[^:]+$/, types: ['zset', 'string'] },
  { family: 'findings', owner: 'state/defi-scan.ts', match: /^defi:(last-scan|posted|stats)$/, types: ['string', 'hash'] },
  { family: 'confirmations', owner: 'bot/confirmations.ts', match: /^confirm:[^:]+$/, types: ['string', 'hash'] },
  { family: 'chat', owner: 'bot/chat/memory.ts', match: /^chat:.+$/, types: ['list', 'string', 'hash'], optIn: true },
] as const satisfies readonly { family: string; owner: string; match: RegExp; types: readonly RedisType[]; optIn?: boolean }[];


const BackupKeySchema = z.object({
  key: z.string().min(1).describe('relative to the prefix'),
  family: z.string(),
  type: z.string(),
  /** Absolute expiry (unix ms), or null for a key that does not expire. */
  expiresAt: z.number().nullable(),
  dump: z.string().describe('base64 of Redis DUMP'),
});

const BackupSchema = z.object({
  format: z.literal(FORMAT),
  version: z.number().int(),
  createdAt: z.number(),
  prefix: z.string(),
  redisVersion: z.string(),
  chat: z.boolean(),
  keys: z.array(BackupKeySchema),
});
export type Backup = z.infer<typeof BackupSchema>;

class BackupError extends Error {}

function familyOf(relative: string, type: string, chat: boolean) {
  return FAMILIES.find((f) => f.match.test(relative) && (f.types as readonly string[]).includes(type) && (chat || !('optIn' in f && f.optIn)));
}

/** Every fleetbot key under the prefix that a backup keeps, with its type. */
async function keptKeys(hub: RedisHub, chat: boolean): Promise<{ key: string; family: string; type: string }[]> {
  const start = `${hub.prefix}:`;
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await hub.client.scan(cursor, 'MATCH', `${start}*`, 'COUNT', 1000);
    names.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  const candidates = [...new Set(names)].map((key) => key.slice(start.length)).filter((key) => FAMILIES.some((f) => f.match.test(key)));
  if (candidates.length === 0) return [];
  const types = (await hub.client.multi(candidates.map((key) => ['type', `${start}${key}`])).exec()) ?? [];
  return candidates.flatMap((key, i) => {
    const type = String(types[i]?.[1]);
    const family = familyOf(key, type, chat);
    return family ? [{ key, family: family.family, type }] : [];
  });
}

export async function createBackup(hub: RedisHub, { chat = false } = {}): Promise<Backup> {
  const keys = await keptKeys(hub, chat);
  // One MULTI: every DUMP sees the same moment (a key deleted since the scan answers null and is left out).
  const tx = hub.client.multi();
  for (const { key } of keys) tx.dumpBuffer(hub.key(key)).pttl(hub.key(key));
  const [replies, info] = await Promise.all([tx.exec(), hub.client.info('server')]);
  if (!replies) throw new BackupError('the snapshot transaction was aborted; try again');
  const now = Date.now();
  const kept = keys.flatMap(({ key, family, type }, i) => {
    const [dumpError, dump] = replies[2 * i]!;
    const [, pttl] = replies[2 * i + 1]!;
    if (dumpError) throw dumpError;
    if (!dump) return [];
    const ttl = Number(pttl);
    return [{ key, family, type, expiresAt: ttl > 0 ? now + ttl : null, dump: (dump as Buffer).toString('base64') }];
  });
  return {
    format: FORMAT,
    version: BACKUP_FORMAT_VERSION,
    createdAt: now,
    prefix: hub.prefix,
    redisVersion: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    chat,
    keys: kept,
  };
}

/** Written to a temporary file and renamed, readable by its owner only: it holds the audit trail (and chats). */
export async function writeBackup(file: string, backup: Backup): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(backup)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

export async function readBackup(file: string): Promise<Backup> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new BackupError(`${file} is not a fleetbot backup: ${(error as Error).message}`);
  }
  const head = z.object({ format: z.literal(FORMAT), version: z.number() }).safeParse(raw);
  if (!head.success) throw new BackupError(`${file} is not a fleetbot backup (no "format": "${FORMAT}")`);
  if (head.data.version !== BACKUP_FORMAT_VERSION)
    throw new BackupError(`${file} is a version ${head.data.version} backup; this fleetbot reads version ${BACKUP_FORMAT_VERSION} only — restore it with the fleetbot that wrote it`);
  const parsed = BackupSchema.safeParse(raw);
  if (!parsed.success) throw new BackupError(`${file} is damaged: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export interface RestoreReport {
  restored: number;
  /** Keys whose expiry passed since the backup (pending confirmations): not restored. */
  expired: number;
  byFamily: Record<string, number>;
}

/**
 * Loads a backup under the hub's prefix (which may differ from the one it was taken under). Refuses, unless `force`,
 * when agents are beating there or any key the backup would write, or of a kept family, is already there: that is a
 * live fleet, and a restore would overwrite its history.
 */
export async function restoreBackup(hub: RedisHub, backup: Backup, { force = false } = {}): Promise<RestoreReport> {
  if (!force) {
    const live = (await listAgents(hub)).filter((a) => a.alive).map((a) => a.name);
    if (live.length) throw new BackupError(`refusing to restore into a live fleet: agents ${[...new Set(live)].join(', ')} are running under prefix "${hub.prefix}" (stop them, or use --force)`);
    const present = await keptKeys(hub, true);
    if (present.length) {
      const families = [...new Set(present.map((k) => k.family))].join(', ');
      throw new BackupError(`refusing to overwrite fleetbot's data under prefix "${hub.prefix}": ${present.length} keys are there already (${families}); restore into an empty Redis, or use --force`);
    }
  }
  const now = Date.now();
  const live = backup.keys.filter((k) => k.expiresAt === null || k.expiresAt > now);
  const tx = hub.client.multi();
  // Forced: the kept families become what the backup holds, not a mix of both (chat is left alone unless included).
  const replaced = force ? (await keptKeys(hub, backup.chat)).map((k) => hub.key(k.key)) : [];
  if (replaced.length) tx.del(...replaced);
  for (const k of live) {
    const payload = Buffer.from(k.dump, 'base64');
    if (k.expiresAt === null) tx.restore(hub.key(k.key), 0, payload, 'REPLACE');
    else tx.restore(hub.key(k.key), k.expiresAt, payload, 'REPLACE', 'ABSTTL');
  }
  const replies = (await tx.exec()) ?? [];
  // Redis runs the rest of a MULTI past a refused command: say which failed. A payload Redis cannot read is refused
  // for every key alike (the format is per Redis version), so in practice nothing was written then.
  const failed = replies.find(([error]) => error);
  if (failed?.[0]) {
    const message = failed[0].message;
    throw new BackupError(
      /payload version or checksum/i.test(message)
        ? `this Redis cannot read the backup's data (written by Redis ${backup.redisVersion}; an older Redis cannot load a newer one's): ${message}`
        : `restore failed: ${message}`,
    );
  }
  const byFamily: Record<string, number> = {};
  for (const k of live) byFamily[k.family] = (byFamily[k.family] ?? 0) + 1;
  return { restored: live.length, expired: backup.keys.length - live.length, byFamily };
}

/** One line per family: what a backup holds. */
export function describeBackup(backup: Backup): string {
  // In FAMILIES order, whatever order Redis listed the keys in.
  const counts = new Map<string, number>(FAMILIES.map((f) => [f.family, 0]));
  for (const k of backup.keys) counts.set(k.family, (counts.get(k.family) ?? 0) + 1);
  for (const [family, n] of counts) if (n === 0) counts.delete(family);
  const families = [...counts].map(([family, n]) => `${family} ${n}`).join(', ') || 'nothing';
  return `${backup.keys.length} keys (${families}) from prefix "${backup.prefix}", ${new Date(backup.createdAt).toISOString()}${backup.chat ? ', chat memory included' : ''}`;
}
