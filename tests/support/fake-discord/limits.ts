import { z } from 'zod';
import { fromZodIssues } from './errors.js';

/**
 * Discord's message limits, as zod schemas. discord.js sends whatever it is given, so these are the checks that make a
 * bot's oversized alert fail here the way it fails in production.
 */

export const MESSAGE_FLAGS = { suppressEmbeds: 1 << 2, ephemeral: 1 << 6, loading: 1 << 7, suppressNotifications: 1 << 12 } as const;
/** Flags a bot may set when sending; the others are Discord's to set. */
const SETTABLE_FLAGS = MESSAGE_FLAGS.suppressEmbeds | MESSAGE_FLAGS.ephemeral | MESSAGE_FLAGS.suppressNotifications;
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
// Optional fields are nullish throughout: Discord reads null as absent, and discord.js sends nulls (e.g. an
// attachment's description).

const EmbedSchema = z.looseObject({
  title: z.string().max(256).nullish(),
  description: z.string().max(4096).nullish(),
  fields: z
    .array(z.looseObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(1024), inline: z.boolean().nullish() }))
    .max(25)
    .nullish(),
  footer: z.looseObject({ text: z.string().min(1).max(2048) }).nullish(),
  author: z.looseObject({ name: z.string().min(1).max(256) }).nullish(),
});
type Embed = z.infer<typeof EmbedSchema>;

/** What Discord counts towards the 6000 characters shared by every embed of a message. */
function embedLength(embed: Embed): number {
  const fields = (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0);
  return (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + fields + (embed.footer?.text.length ?? 0) + (embed.author?.name.length ?? 0);
}

const ButtonSchema = z
  .looseObject({
    type: z.literal(2),
    style: z.number().int().min(1).max(6),
    label: z.string().max(80).nullish(),
    custom_id: z.string().min(1).max(100).nullish(),
    url: z.string().max(512).nullish(),
  })
  .superRefine((button, ctx) => {
    // Link buttons (style 5) open a URL and never reach the bot; every other style must carry a custom_id.
    const isLink = button.style === 5;
    if (isLink ? button.url == null || button.custom_id != null : button.custom_id == null || button.url != null)
      ctx.addIssue({ code: 'custom', path: [isLink ? 'url' : 'custom_id'], message: 'This field is required', params: { discord: 'BASE_TYPE_REQUIRED' } });
  });

const SelectSchema = z.looseObject({
  type: z.literal([3, 5, 6, 7, 8]),
  custom_id: z.string().min(1).max(100),
  placeholder: z.string().max(150).nullish(),
  options: z.array(z.looseObject({ label: z.string().min(1).max(100), value: z.string().min(1).max(100) })).min(1).max(25).nullish(),
});

const ActionRowSchema = z
  .looseObject({ type: z.literal(1), components: z.array(z.discriminatedUnion('type', [ButtonSchema, SelectSchema])).min(1).max(5) })
  .superRefine((row, ctx) => {
    // A select menu is five buttons wide: it must be alone in its row.
    if (row.components.length > 1 && row.components.some((c) => c.type !== 2))
      ctx.addIssue({ code: 'custom', path: ['components'], message: 'The specified component exceeds the maximum width', params: { discord: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED' } });
  });

export const MessageBodySchema = z
  .looseObject({
    content: z.string().max(2000).nullish(),
    embeds: z.array(EmbedSchema).max(10).nullish(),
    components: z.array(ActionRowSchema).max(5).nullish(),
    attachments: z.array(z.looseObject({ id: z.union([z.string(), z.number()]), description: z.string().max(1024).nullish() })).max(10).nullish(),
    flags: z.number().int().nullish(),
    allowed_mentions: z
      .looseObject({
        parse: z.array(z.enum(['roles', 'users', 'everyone'])).nullish(),
        roles: z.array(z.string()).max(100).nullish(),
        users: z.array(z.string()).max(100).nullish(),
        replied_user: z.boolean().nullish(),
      })
      .nullish(),
    message_reference: z.looseObject({ message_id: z.string() }).nullish(),
  })
  .superRefine((body, ctx) => {
    const total = (body.embeds ?? []).reduce((sum, embed) => sum + embedLength(embed), 0);
    if (total > 6000) ctx.addIssue({ code: 'custom', path: ['embeds'], message: 'Embed size exceeds maximum size of 6000', params: { discord: 'MAX_EMBED_SIZE_EXCEEDED' } });
    const ids = (body.components ?? []).flatMap((row) => row.components.map((c) => c.custom_id)).filter((id) => id != null);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', path: ['components'], message: 'Component custom id cannot be duplicated', params: { discord: 'COMPONENT_CUSTOM_ID_DUPLICATED' } });
    for (const kind of ['users', 'roles'] as const) {
      if (body.allowed_mentions?.parse?.includes(kind) && body.allowed_mentions[kind]?.length)
        ctx.addIssue({
          code: 'custom',
          path: ['allowed_mentions'],
          message: `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
          params: { discord: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE' },
        });
    }
  });
export type MessageBody = z.infer<typeof MessageBodySchema>;

/** Validates a message body; `prefix` places the errors where Discord does (`data.…` inside an interaction callback). */
export function parseMessageBody(body: unknown, prefix: PropertyKey[] = []): MessageBody {
  const result = MessageBodySchema.safeParse(body ?? {}, { reportInput: true });
  if (!result.success) throw fromZodIssues(result.error.issues, prefix);
  return result.data;
}

export function settableFlags(flags: number | null | undefined): number {
  return (flags ?? 0) & SETTABLE_FLAGS;
}

const ChoiceSchema = z.looseObject({ name: z.string().min(1).max(100), value: z.union([z.string().max(100), z.number()]) });

export const InteractionCallbackSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal(4), data: z.unknown().nullish() }),
  z.looseObject({ type: z.literal(5), data: z.looseObject({ flags: z.number().int().nullish() }).nullish() }),
  z.looseObject({ type: z.literal(6) }),
  z.looseObject({ type: z.literal(7), data: z.unknown().nullish() }),
  z.looseObject({ type: z.literal(8), data: z.looseObject({ choices: z.array(ChoiceSchema).max(25) }) }),
]);
export type InteractionCallback = z.infer<typeof InteractionCallbackSchema>;

export function parseInteractionCallback(body: unknown): InteractionCallback {
  const result = InteractionCallbackSchema.safeParse(body, { reportInput: true });
  if (!result.success) throw fromZodIssues(result.error.issues);
  return result.data;
}
