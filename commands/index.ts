import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Member } from '../config/manifest.js';
import type { DefiClient, ExecuteClient, RiskClient } from '../queues/defi.js';
import type { OpsClient } from '../queues/ops.js';
import type { HealerControl } from '../agents/heal-state.js';
import type { AgentInfo } from '../agents/heartbeat.js';
import type { Telemetry } from '../bot/dashboard/watch.js';
import type { Silences } from '../bot/notifier/alert-book.js';
import { PermissionSchema, type Caller, type Permission } from '../security/permissions.js';

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

export interface FleetDirectory {
  members: readonly Member[];
  /** The member by name, or an OpsError that names the closest match and the valid choices. */
  member(name: string): Member;
}

export interface CommandContext {
  caller: Caller;
  channel: string;
  fleet: FleetDirectory;
  ops: OpsClient;
  /** The DeFi agents: scanner (`defi`), risk, executor. */
  defi: DefiClients;
  /** How long to wait for a job's result. */
  timeoutMs: number;
  commands: readonly Command[];
  agents(): Promise<AgentInfo[]>;
  /** Maintenance windows: alerts of a silenced member are not posted. */
  silences: Silences;
  healer: HealerControl;
  /** The fleet's figures and their recent history. */
  telemetry: Telemetry;
}

export interface DefiClients {
  scanner: DefiClient;
  risk: RiskClient;
  execute: ExecuteClient;
}

export interface Command<A extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  args: A;
  /** What it takes to run it; anything above `read` changes something and is audited. */
  permission: Permission;
  /** For a command that both looks and changes (`/heal status|pause`): the invocations that only look need `read`. */
  readOnly?(args: z.output<A>): boolean;
  /** Asked for in plain language, it needs a confirmation first. */
  destructive?: boolean;
  run(ctx: CommandContext, args: z.output<A>): Promise<Reply>;
}

/** The permission this invocation needs. */
export function neededPermission(command: Command, args: Record<string, unknown>): Permission {
  return command.readOnly?.(args as never) ? 'read' : command.permission;
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

/** Imports every command in this folder, in name order; rejects malformed modules and duplicate names. */
export async function loadCommands(dir = path.dirname(fileURLToPath(import.meta.url))): Promise<Command[]> {
  const self = path.basename(fileURLToPath(import.meta.url));
  const extension = path.extname(self);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(extension) && !f.endsWith(`.d${extension}`) && f !== self)
    .sort();
  const commands: Command[] = [];
  for (const file of files) {
    const command = validateCommand(file, await import(pathToFileURL(path.join(dir, file)).href));
    if (commands.some((c) => c.name === command.name)) throw new Error(`${file}: a command named "${command.name}" already exists`);
    commands.push(command);
  }
  return commands;
}
