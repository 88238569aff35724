import type { APIEmbed } from 'discord.js';

/**
 * Discord's message limits. discord.js does not check them before sending; Discord rejects what breaks them, so
 * everything fleetbot sends is fitted here first.
 */
export const LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedTotal: 6000,
  customId: 100,
  choices: 25,
  optionDescription: 100,
} as const;

/** Cuts `text` to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/** The embed within every per-field limit and the 6000-character total (the description gives way first). */
export function fitEmbed(embed: APIEmbed): APIEmbed {
  const fitted: APIEmbed = {
    ...embed,
    title: embed.title === undefined ? undefined : clip(embed.title, LIMITS.title),
    description: embed.description === undefined ? undefined : clip(embed.description, LIMITS.description),
    footer: embed.footer && { ...embed.footer, text: clip(embed.footer.text, LIMITS.footer) },
    author: embed.author && { ...embed.author, name: clip(embed.author.name, LIMITS.author) },
    fields: embed.fields?.slice(0, LIMITS.fields).map((f) => ({ ...f, name: clip(f.name || '-', LIMITS.fieldName), value: clip(f.value || '-', LIMITS.fieldValue) })),
  };
  const over = embedLength(fitted) - LIMITS.embedTotal;
  if (over > 0 && fitted.description) fitted.description = clip(fitted.description, Math.max(1, fitted.description.length - over));
  while (embedLength(fitted) > LIMITS.embedTotal && fitted.fields?.length) fitted.fields = fitted.fields.slice(0, -1);
  return fitted;
}

/** Embeds for one message: at most ten, 6000 characters together; the rest are for the next message. */
export function takeEmbeds(embeds: APIEmbed[]): [now: APIEmbed[], later: APIEmbed[]] {
  const now: APIEmbed[] = [];
  let total = 0;
  for (const [i, embed] of embeds.entries()) {
    const fitted = fitEmbed(embed);
    const length = embedLength(fitted);
    if (now.length === LIMITS.embedsPerMessage || (now.length > 0 && total + length > LIMITS.embedTotal)) return [now, embeds.slice(i)];
    now.push(fitted);
    total += length;
  }
  return [now, []];
}
