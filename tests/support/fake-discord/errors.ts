import type { z } from 'zod';

/** Errors shaped like Discord's, so discord.js turns them into the same `DiscordAPIError`s a bot sees in production. */

export interface DiscordErrorBody {
  code: number;
  message: string;
  errors?: ErrorTree;
}
/** Discord nests field errors by path: `{embeds: {0: {title: {_errors: [{code, message}]}}}}`. */
export interface ErrorTree {
  [key: string]: ErrorTree | { code: string; message: string }[];
}

export class DiscordHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: DiscordErrorBody,
  ) {
    super(body.message);
  }
}

const known = {
  notFound: [404, 0, '404: Not Found'],
  methodNotAllowed: [405, 0, '405: Method Not Allowed'],
  unauthorized: [401, 0, '401: Unauthorized'],
  unknownApplication: [404, 10002, 'Unknown Application'],
  unknownChannel: [404, 10003, 'Unknown Channel'],
  unknownGuild: [404, 10004, 'Unknown Guild'],
  unknownMember: [404, 10007, 'Unknown Member'],
  unknownMessage: [404, 10008, 'Unknown Message'],
  unknownUser: [404, 10013, 'Unknown User'],
  unknownWebhook: [404, 10015, 'Unknown Webhook'],
  unknownInteraction: [404, 10062, 'Unknown interaction'],
  unknownCommand: [404, 10063, 'Unknown application command'],
  entityTooLarge: [413, 40005, 'Request entity too large'],
  alreadyAcknowledged: [400, 40060, 'Interaction has already been acknowledged.'],
  missingAccess: [403, 50001, 'Missing Access'],
  notAuthor: [403, 50005, 'Cannot edit a message authored by another user'],
  emptyMessage: [400, 50006, 'Cannot send an empty message'],
  invalidWebhookToken: [401, 50027, 'Invalid Webhook Token'],
  invalidJson: [400, 50109, 'The request body contains invalid JSON.'],
} as const;

export function discordError(name: keyof typeof known): DiscordHttpError {
  const [status, code, message] = known[name];
  return new DiscordHttpError(status, { code, message });
}

/** A 50035 "Invalid Form Body" with one error at `path`, for rules that are not expressed as a zod schema. */
export function formError(path: (string | number)[], code: string, message: string): DiscordHttpError {
  return invalidFormBody([{ path, code, message }]);
}

export function invalidFormBody(errors: { path: PropertyKey[]; code: string; message: string }[]): DiscordHttpError {
  const tree: ErrorTree = {};
  for (const { path, code, message } of errors) {
    let node = tree;
    for (const key of path) {
      const next = node[String(key)];
      node = next && !Array.isArray(next) ? next : (node[String(key)] = {});
    }
    const list = node._errors;
    if (Array.isArray(list)) list.push({ code, message });
    else node._errors = [{ code, message }];
  }
  return new DiscordHttpError(400, { code: 50035, message: 'Invalid Form Body', errors: tree });
}

/**
 * Translates zod issues into Discord's error codes and wording. Rules that Discord words specially carry their code in
 * `params.discord` (set with `refine`/`addIssue`); the rest map by kind, as Discord's generic validators do.
 */
export function fromZodIssues(issues: z.core.$ZodIssue[], prefix: PropertyKey[] = []): DiscordHttpError {
  return invalidFormBody(issues.map((issue) => ({ path: [...prefix, ...issue.path], ...describe(issue) })));
}

function describe(issue: z.core.$ZodIssue): { code: string; message: string } {
  switch (issue.code) {
    case 'custom':
      return { code: String(issue.params?.discord ?? 'BASE_TYPE_BAD'), message: issue.message };
    case 'too_big':
      return issue.origin === 'number' || issue.origin === 'int'
        ? { code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${issue.maximum}.` }
        : { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${issue.maximum} or fewer in length.` };
    case 'too_small':
      return issue.origin === 'number' || issue.origin === 'int'
        ? { code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${issue.minimum}.` }
        : { code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${issue.minimum} or more in length.` };
    case 'invalid_type':
      if (issue.input === undefined) return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
      return { code: `BASE_TYPE_${issue.expected.toUpperCase()}`, message: `Could not interpret "${String(issue.input)}" as ${issue.expected}.` };
    case 'invalid_union':
    case 'invalid_value':
      return { code: 'BASE_TYPE_CHOICES', message: issue.message };
    default:
      return { code: 'BASE_TYPE_BAD', message: issue.message };
  }
}
