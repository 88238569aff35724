import { ApplicationCommandOptionType, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { argSpecs, type ArgSpec, type Command } from '../../commands/index.js';
import { clip, LIMITS } from './limits.js';

/**
 * Slash-command definitions derived from commands/ — names, descriptions, option types, ranges, choices and
 * member autocomplete all come from each command's zod schema; there is no second definition.
 */

const OPTION_TYPE = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  number: ApplicationCommandOptionType.Number,
  boolean: ApplicationCommandOptionType.Boolean,
} as const satisfies Record<ArgSpec['type'], ApplicationCommandOptionType>;

function slashCommand(command: Command): RESTPostAPIChatInputApplicationCommandsJSONBody {
  // Discord wants required options before optional ones.
  const specs = [...argSpecs(command)].sort((a, b) => Number(b.required) - Number(a.required));
  return {
    name: command.name,
    description: clip(command.description, LIMITS.optionDescription),
    // Guild channels only: fleetbot's permissions come from guild roles.
    contexts: [0],
    options: specs.map((spec) => ({
      type: OPTION_TYPE[spec.type],
      name: spec.name,
      description: clip(spec.description, LIMITS.optionDescription),
      required: spec.required,
      ...(spec.choices && spec.choices.length <= LIMITS.choices ? { choices: spec.choices.map((c) => ({ name: c, value: c })) } : {}),
      ...(spec.complete ? { autocomplete: true } : {}),
      ...(spec.type === 'integer' || spec.type === 'number' ? { min_value: spec.min, max_value: spec.max } : {}),
    })) as RESTPostAPIChatInputApplicationCommandsJSONBody['options'],
  };
}

export function slashCommands(commands: readonly Command[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map(slashCommand);
}
