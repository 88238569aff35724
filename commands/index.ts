import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { PermissionSchema, type Caller, type Permission } from '../security/permissions.js';
import type { AgentInfo } from '../state/heartbeats.js';
import type { NotifyClient } from '../queues/notify.js';
import type { OpsClient } from '../queues/ops.js';
import type { AgentRestarts, DefiClients, FleetDirectory, HealerControl, Silences, Telemetry } from './context.js';

export type { AgentRestarts, ChartImage, DefiClients, FleetDirectory, HealerControl, QueueView, Silences, Snapshot, Telemetry } from './context.js';

/**
 * The Command contract. Each other file in this folder default-exports one command; slash-command JSON, the `!`
 * and console parser, help and the chat model's tools are all derived from these declarations.
 */

export type Tone = 'ok' | 'info' | 'warn' | 'error';

/** A transport-neutral answer: the console prints it as text, Discord as an embed (and an attachment for `code`). */
export interface Reply {
  tone: Tone;
  /** One line that says what happened. */
  title: string;
  body?: string;
  table?: { columns: string[]; rows: { cells: string[]; tone?: Tone }[] };
  /** Preformatted output such as log lines; sent as a file where a chat message is too small. */
  code?: { text: string; filename: string };
  /** A picture (a chart): shown on Discord, saved to a file by the console. */
  image?: { png: Buffer; filename: string };
}

/** A failure the user should read: a short message, no stack. */
export class OpsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CommandContext {
  caller: Caller;
  channel: string;
  fleet: FleetDirectory;
  ops: OpsClient;
  /** The notify queue: what the notifier posts to the channels. */
  notify: NotifyClient;
  /** The DeFi agents: scanner (`defi`), risk, executor. */
  defi: DefiClients;
  /** How long to wait for a job's result. */
  timeoutMs: number;
  commands: readonly Command[];
  agents(): Promise<AgentInfo[]>;
  /** Restarts an agent in the process that runs it. */
  agentControl: AgentRestarts;
  /** Maintenance windows: alerts of a silenced member are not posted. */
  silences: Silences;
  healer: HealerControl;
  /** The fleet's figures and their recent history. */
  telemetry: Telemetry;
}

export interface Command<A extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  args: A;
  /** What it takes to run it; anything above `read` changes something and is audited. */
  permission: Permission;
  /** For a command that both looks and changes (`/heal status|pause`): the invocations that only look need `read`. */
  readOnly?(args: z.output<A>): boolean;
  /** Disrupts the fleet (restart, trade): typed on a shared channel, it asks for a confirmation first. */
  destructive?: boolean;
  /** For a command that runs MCP tools (`/execute`): which, so the permission is the most any of them needs, as the fleet trusts them. */
  tools?(args: z.output<A>, fleet: FleetDirectory): { server: string; tool: string }[];
  /** A consequence worth a second look (a stop others depend on): when it says one, the request asks wherever it was typed. */
  warn?(args: z.output<A>, fleet: FleetDirectory): string | undefined;
  run(ctx: CommandContext, args: z.output<A>): Promise<Reply>;
}

/** How much the fleet trusts one MCP tool: the permission a call of it needs. */
export type ToolTrust = (server: string, tool: string) => Promise<Permission>;

const RANK = { read: 0, operate: 1, admin: 2 } as const satisfies Record<Permission, number>;

/** The permission this invocation needs (a command that runs tools: the most any of them needs; none: read). */
export async function neededPermission(command: Command, args: Record<string, unknown>, trust?: { toolTrust: ToolTrust; fleet: FleetDirectory }): Promise<Permission> {
  if (command.readOnly?.(args as never)) return 'read';
  if (command.tools && trust) {
    const levels = await Promise.all(command.tools(args as never, trust.fleet).map((t) => trust.toolTrust(t.server, t.tool)));
    return levels.reduce<Permission>((most, level) => (RANK[level] > RANK[most] ? level : most), 'read');
  }
  return command.permission;
}

/**
 * Where a request came from, which decides whether it waits for a human yes:
 * - `console`: typed by the operator in their own terminal — it runs at once (scripts pipe into it);
 * - `shared`: typed on a shared channel (Discord) — a disruptive change asks first;
 * - `button`: one click on a button that names the change (a member's row on the web page) — nothing was typed, and a
 *   click lands by mistake more easily than a command, so every change asks;
 * - `model`: proposed by the language model — every change asks, everywhere, whoever the caller is.
 */
export const ORIGINS = ['console', 'shared', 'button', 'model'] as const;
export type Origin = (typeof ORIGINS)[number];

/** The one confirmation rule. `needed` is the permission this invocation needs (a read never asks). */
export function needsConfirmation(command: Pick<Command, 'destructive'>, needed: Permission, origin: Origin, warning?: string): boolean {
  if (needed === 'read') return false;
  if (warning) return true;
  if (origin === 'model' || origin === 'button') return true;
  if (origin === 'shared') return command.destructive === true;
  return false;
}

/** A fleet member argument: transports offer member names as choices / autocomplete for it. */
export const MemberArg = z.string().min(1).max(100).meta({ complete: 'member' });

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

// What the loader accepts; it mirrors Discord's limits on names and descriptions so registration cannot fail later.
const CommandShape = z.object({
  name: z.string().regex(NAME, 'lower-case, at most 32 characters'),
  description: z.string().min(1).max(100),
  args: z.custom<z.ZodObject>((v) => v instanceof z.ZodObject, 'a zod object'),
  permission: PermissionSchema,
  readOnly: z.custom<Command['readOnly']>((v) => v === undefined || typeof v === 'function', 'a function').optional(),
  destructive: z.boolean().optional(),
  warn: z.custom<Command['warn']>((v) => v === undefined || typeof v === 'function', 'a function').optional(),
  tools: z.custom<Command['tools']>((v) => v === undefined || typeof v === 'function', 'a function').optional(),
  run: z.custom<Command['run']>((v) => typeof v === 'function', 'a function'),
});

export interface ArgSpec {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  description: string;
  required: boolean;
  choices?: string[];
  min?: number;
  max?: number;
  default?: unknown;
  /** Values come from the fleet (e.g. member names). */
  complete?: 'member';
}

type JsonSchemaProperty = {
  type?: string;
  description?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  complete?: 'member';
};

const specCache = new WeakMap<z.ZodObject, ArgSpec[]>();

/** The arguments of a command, in declaration order, as every transport sees them. */
export function argSpecs(command: Pick<Command, 'args'>): ArgSpec[] {
  let specs = specCache.get(command.args);
  if (!specs) specCache.set(command.args, (specs = deriveSpecs(command.args)));
  return specs;
}

function deriveSpecs(args: z.ZodObject): ArgSpec[] {
  const schema = z.toJSONSchema(args, { io: 'input' }) as { properties?: Record<string, JsonSchemaProperty>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    type: p.type === 'integer' || p.type === 'number' || p.type === 'boolean' ? p.type : 'string',
    description: p.description ?? '',
    required: (schema.required ?? []).includes(name) && p.default === undefined,
    choices: p.enum?.map(String),
    min: p.minimum,
    max: p.maximum,
    default: p.default,
    complete: p.complete,
  }));
}

/** `/logs <member> [count]` */
export function usage(command: Pick<Command, 'name' | 'args'>): string {
  const args = argSpecs(command).map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`));
  return [`/${command.name}`, ...args].join(' ');
}

/** Checks one command module; every problem is named with its file. */
export function validateCommand(file: string, module: unknown): Command {
  const parsed = CommandShape.safeParse((module as { default?: unknown } | undefined)?.default);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'default export'}: ${i.message}`);
    throw new Error(`${file} is not a valid command: ${problems.join('; ')}`);
  }
  const command = parsed.data as Command;
  for (const arg of argSpecs(command)) {
    if (!NAME.test(arg.name)) throw new Error(`${file}: argument "${arg.name}" must be lower-case, at most 32 characters`);
    if (!arg.description) throw new Error(`${file}: argument "${arg.name}" needs .describe() — it is shown to users and the model`);
  }
  return command;
}

/** Imports every command in this folder (all but this contract and `context`), in name order; rejects malformed modules and duplicate names. */
export async function loadCommands(dir = path.dirname(fileURLToPath(import.meta.url))): Promise<Command[]> {
  const self = path.basename(fileURLToPath(import.meta.url));
  const extension = path.extname(self);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(extension) && !f.endsWith(`.d${extension}`) && f !== self && f !== `context${extension}`)
    .sort();
  const commands: Command[] = [];
  for (const file of files) {
    const command = validateCommand(file, await import(pathToFileURL(path.join(dir, file)).href));
    if (commands.some((c) => c.name === command.name)) throw new Error(`${file}: a command named "${command.name}" already exists`);
    commands.push(command);
  }
  return commands;
}
