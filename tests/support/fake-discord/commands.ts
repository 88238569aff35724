import { z } from 'zod';
import { discordError, fromZodIssues } from './errors.js';
import { snowflake } from './snowflake.js';

/**
 * Application command registration with Discord's rules. fleetbot derives its slash commands from zod schemas, so the
 * mistakes worth catching here are the ones Discord refuses: long descriptions, bad names, optional-before-required.
 */

const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const CHAT_INPUT = 1;
const SUBCOMMAND = 1;
const SUBCOMMAND_GROUP = 2;

const name = z.string().refine((n) => NAME.test(n) && n === n.toLowerCase(), {
  error: 'Command name is invalid',
  params: { discord: 'APPLICATION_COMMAND_INVALID_NAME' },
});

interface Option {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: string | number }[];
  options?: Option[];
}

const OptionSchema: z.ZodType<Option> = z.lazy(() =>
  z
    .looseObject({
      type: z.number().int().min(1).max(11),
      name,
      description: z.string().min(1).max(100),
      required: z.boolean().optional(),
      autocomplete: z.boolean().optional(),
      choices: z.array(z.looseObject({ name: z.string().min(1).max(100), value: z.union([z.string().max(100), z.number()]) })).max(25).optional(),
      options: OptionList.optional(),
    })
    .superRefine((option, ctx) => {
      if (option.autocomplete && option.choices?.length)
        ctx.addIssue({ code: 'custom', path: ['autocomplete'], message: 'Autocomplete cannot be set on options with choices', params: { discord: 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID' } });
      const nested = option.options ?? [];
      const allowed = option.type === SUBCOMMAND_GROUP ? (o: Option) => o.type === SUBCOMMAND : (o: Option) => o.type > SUBCOMMAND_GROUP;
      if (nested.some((o) => !allowed(o)))
        ctx.addIssue({ code: 'custom', path: ['options'], message: 'Sub-command and sub-command group option types are mutually exclusive to all other types', params: { discord: 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID' } });
    }),
);

/** Rules on a list of options: at most 25, unique names, required ones first (Discord refuses the opposite order). */
const OptionList = z
  .array(z.lazy(() => OptionSchema))
  .max(25)
  .superRefine((options, ctx) => {
    const names = options.map((o) => o.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'Option names must be unique', params: { discord: 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS' } });
    });
    const firstOptional = options.findIndex((o) => !o.required);
    options.forEach((o, i) => {
      if (o.required && firstOptional !== -1 && i > firstOptional)
        ctx.addIssue({ code: 'custom', path: [i, 'required'], message: 'Required options must be placed before non-required options', params: { discord: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID' } });
    });
  });

const CommandSchema = z
  .looseObject({
    type: z.literal([1, 2, 3, 4]).optional(),
    name: z.string(),
    description: z.string().max(100).optional(),
    options: OptionList.optional(),
    default_member_permissions: z.string().nullish(),
    nsfw: z.boolean().optional(),
  })
  .superRefine((command, ctx) => {
    const chatInput = (command.type ?? CHAT_INPUT) === CHAT_INPUT;
    // User and message commands show their name in a menu: any case and spaces are allowed there.
    if (chatInput ? !name.safeParse(command.name).success : command.name.length < 1 || command.name.length > 32)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'Command name is invalid', params: { discord: 'APPLICATION_COMMAND_INVALID_NAME' } });
    if (chatInput && !command.description)
      ctx.addIssue({ code: 'custom', path: ['description'], message: 'Must be between 1 and 100 in length.', params: { discord: 'BASE_TYPE_BAD_LENGTH' } });
    if (commandSize(command) > 4000)
      ctx.addIssue({ code: 'custom', path: [], message: 'Command exceeds maximum size (4000)', params: { discord: 'APPLICATION_COMMAND_TOO_LARGE' } });
  });
type CommandInput = z.infer<typeof CommandSchema>;

function commandSize(command: { name: string; description?: string; options?: Option[] }): number {
  const options = (command.options ?? []).reduce(
    (sum, o) => sum + commandSize(o) + (o.choices ?? []).reduce((s, c) => s + c.name.length + String(c.value).length, 0),
    0,
  );
  return command.name.length + (command.description?.length ?? 0) + options;
}

const CommandListSchema = z.array(CommandSchema).superRefine((commands, ctx) => {
  const keys = commands.map((c) => `${c.type ?? CHAT_INPUT}:${c.name}`);
  keys.forEach((key, i) => {
    if (keys.indexOf(key) !== i)
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'Application command names must be unique', params: { discord: 'APPLICATION_COMMANDS_DUPLICATE_NAME' } });
  });
  if (commands.filter((c) => (c.type ?? CHAT_INPUT) === CHAT_INPUT).length > 100)
    ctx.addIssue({ code: 'custom', path: [], message: 'Maximum number of application commands reached (100)', params: { discord: 'BASE_TYPE_MAX_LENGTH' } });
});

export type RegisteredCommand = CommandInput & { id: string; application_id: string; version: string; guild_id?: string };

/** Global commands under the key "global", guild commands under the guild id. */
export class CommandRegistry {
  readonly #scopes = new Map<string, RegisteredCommand[]>();

  constructor(private readonly applicationId: string) {}

  list(guildId?: string): RegisteredCommand[] {
    return this.#scopes.get(guildId ?? 'global') ?? [];
  }

  /** Bulk overwrite (PUT): as on Discord, a command that keeps its name and type keeps its id. */
  overwrite(body: unknown, guildId?: string): RegisteredCommand[] {
    const parsed = CommandListSchema.safeParse(body, { reportInput: true });
    if (!parsed.success) throw fromZodIssues(parsed.error.issues);
    const next = parsed.data.map((input) => this.#register(input, guildId));
    this.#scopes.set(guildId ?? 'global', next);
    return next;
  }

  /** Create (POST): replaces a command of the same name and type; `created` tells 201 from 200. */
  upsert(body: unknown, guildId?: string): { command: RegisteredCommand; created: boolean } {
    const parsed = CommandSchema.safeParse(body, { reportInput: true });
    if (!parsed.success) throw fromZodIssues(parsed.error.issues);
    const created = !this.#existing(parsed.data, this.list(guildId));
    const command = this.#register(parsed.data, guildId);
    this.#scopes.set(guildId ?? 'global', [...this.list(guildId).filter((c) => c.id !== command.id), command]);
    return { command, created };
  }

  delete(commandId: string, guildId?: string): void {
    const commands = this.list(guildId);
    if (!commands.some((c) => c.id === commandId)) throw discordError('unknownCommand');
    this.#scopes.set(
      guildId ?? 'global',
      commands.filter((c) => c.id !== commandId),
    );
  }

  /** The command Discord would run for `/name` typed in this guild: a guild command shadows a global one. */
  resolve(commandName: string, guildId: string): RegisteredCommand | undefined {
    const isChatInput = (c: RegisteredCommand) => (c.type ?? CHAT_INPUT) === CHAT_INPUT && c.name === commandName;
    return this.list(guildId).find(isChatInput) ?? this.list().find(isChatInput);
  }

  #existing(input: CommandInput, commands: RegisteredCommand[]): RegisteredCommand | undefined {
    return commands.find((c) => c.name === input.name && (c.type ?? CHAT_INPUT) === (input.type ?? CHAT_INPUT));
  }

  #register(input: CommandInput, guildId?: string): RegisteredCommand {
    const existing = this.#existing(input, this.list(guildId));
    return {
      default_member_permissions: null,
      nsfw: false,
      ...input,
      type: input.type ?? CHAT_INPUT,
      description: input.description ?? '',
      id: existing?.id ?? snowflake(),
      application_id: this.applicationId,
      version: snowflake(),
      ...(guildId ? { guild_id: guildId } : {}),
    };
  }
}
