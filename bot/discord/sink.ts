import { AttachmentBuilder, DiscordAPIError, type APIEmbed } from 'discord.js';
import { formatDuration } from '../../config/duration.js';
import { formatAmount } from '../../defi/describe.js';
import type { Opportunity } from '../../defi/opportunity.js';
import type { AuditEntry } from '../../security/audit.js';
import { escapeCode, escapeInline } from '../../security/escape.js';
import { metrics } from '../../telemetry/metrics.js';
import type { Digest, NoticeSink } from '../notifier/index.js';
import { clip, LIMITS, takeEmbeds } from './limits.js';
import { NO_PINGS, type DiscordMessage } from './render.js';

/**
 * Notices as Discord messages: firing alerts grouped in one embed, resolved ones in another, healing, audit and
 * findings in theirs, each opportunity a message of its own (its Execute button belongs to it alone) — always within
 * Discord's message and embed limits, with a role mention only for critical alerts.
 */

/** A message as rendered: JSON-safe (it may wait in Redis), its files as text until it is sent. */
export type DiscordNotice = DiscordMessage & { attachments?: { name: string; text?: string; base64?: string }[] };

export interface DiscordSinkOptions {
  /** Sends one message to a channel; throws DiscordAPIError when Discord rejects it (discord.js itself waits out 429s). */
  post(channelId: string, message: DiscordMessage): Promise<void>;
  /** The buttons under a pending confirmation. */
  buttons(id: string, label: string, cancel: boolean): DiscordMessage['components'];
  criticalRole?: string;
}

const SEVERITY = {
  critical: { dot: '🔴', colour: 0xe74c3c },
  warning: { dot: '🟠', colour: 0xe67e22 },
  info: { dot: '🔵', colour: 0x3498db },
} as const;

const MARK = { ok: '✅', failed: '❌', denied: '⛔' } as const;

/**
 * One audit entry, on one line whatever it holds: names, arguments and replies come from people and tools, so they
 * are escaped (the request inside its code span with escapeCode, the rest with escapeInline) and no argument can
 * fake an entry of its own. The digest arrives redacted, so the bounds cut nothing a rule still had to see.
 */
function auditLine(e: AuditEntry): string {
  const args = Object.values(e.args).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const request = escapeCode([`/${e.command}`, ...args].join(' '), 300);
  return `${MARK[e.outcome]} **${escapeInline(e.user.name, 64)}** \`${request}\` (${escapeInline(e.via, 20)}) — ${e.outcome}: ${escapeInline(e.detail, 300)}`;
}

export class DiscordSink implements NoticeSink<DiscordNotice> {
  readonly name = 'discord';

  constructor(private readonly options: DiscordSinkOptions) {}

  send(channel: string, { attachments, ...message }: DiscordNotice): Promise<void> {
    const files = attachments?.map((a) => new AttachmentBuilder(a.base64 !== undefined ? Buffer.from(a.base64, 'base64') : Buffer.from(a.text ?? ''), { name: a.name }));
    return this.options.post(channel, files?.length ? { ...message, files } : message);
  }

  permanent(error: unknown): boolean {
    metrics.discordErrors.inc({ status: error instanceof DiscordAPIError ? `${String(error.status)[0]}xx` : 'network' });
    return error instanceof DiscordAPIError && error.status >= 400 && error.status < 500;
  }

  explain(error: unknown): Record<string, unknown> {
    return error instanceof DiscordAPIError ? { status: error.status, code: error.code, reason: error.message } : { error };
  }

  render(d: Digest): DiscordNotice[] {
    const embeds: APIEmbed[] = [];
    let mention = d.worst === 'critical' ? this.options.criticalRole : undefined;
    if (d.firing.length && d.worst) {
      const fields = d.firing.map((f) => ({
        name: `${SEVERITY[f.alert.severity].dot} ${f.alert.title}`,
        value: clip([f.alert.detail, ...(f.alert.context ?? []), f.count > 1 ? `×${f.count}` : undefined, `since <t:${Math.floor(f.since / 1000)}:T>`].filter(Boolean).join(' · '), LIMITS.fieldValue),
      }));
      const { dot, colour } = SEVERITY[d.worst];
      for (let i = 0; i < fields.length; i += 25) {
        embeds.push({
          title: d.firing.length === 1 ? `${dot} FIRING · ${d.firing[0]!.alert.title}` : `${dot} FIRING · ${d.firing.length} alerts`,
          fields: fields.slice(i, i + 25),
          color: colour,
        });
      }
    }
    if (d.resolved.length) {
      embeds.push({
        title: d.resolved.length === 1 ? `✅ RESOLVED · ${d.resolved[0]!.alert.title}` : `✅ RESOLVED · ${d.resolved.length} alerts`,
        description: d.resolved.map((r) => `✅ ${r.alert.title} — fired for ${formatDuration(r.alert.at - r.since)}`).join('\n'),
        color: 0x2ecc71,
      });
    }
    for (const h of d.healing) embeds.push({ title: `🩺 ${h.title}`, description: [h.detail, h.answers && `answers: ${h.answers}`].filter(Boolean).join('\n') || undefined, color: 0x1abc9c });
    if (d.audit.length) {
      embeds.push({
        title: `audit · ${d.audit.length} action${d.audit.length === 1 ? '' : 's'}`,
        description: d.audit.map(auditLine).join('\n'),
        color: 0x95a5a6,
      });
    }
    for (const f of d.findings) {
      if (f.type === 'execution') embeds.push({ title: `${f.ok ? '✅' : '❌'} execute ${f.opportunity.id}`, description: [f.detail, f.txHash && `tx ${f.txHash}`].filter(Boolean).join('\n'), color: f.ok ? 0x2ecc71 : 0xe74c3c });
      else embeds.push({ title: `📊 ${f.title}`, description: f.lines.join('\n'), color: 0x3498db });
    }
    const messages: DiscordNotice[] = d.opportunities.map(({ opportunity, confirmation }) => this.opportunity(opportunity, confirmation));
    // The last lines of each member that died or hung go with the first message, one file each.
    const attachments = d.firing.flatMap(({ alert: a }) => (a.logTail ? [{ name: `${a.member ?? a.key}-last-lines.txt`, text: a.logTail }] : [])).slice(0, 10);
    // Metrics digests and dead members' last lines: a message each, with its file.
    for (const m of d.metrics) {
      messages.push({
        embeds: [{ title: `📈 ${m.title}`, description: clip(m.lines.join('\n'), LIMITS.description), color: 0x3498db, ...(m.chart ? { image: { url: `attachment://${m.chart.filename}` } } : {}) }],
        attachments: m.chart ? [{ name: m.chart.filename, base64: m.chart.pngBase64 }] : undefined,
        allowedMentions: NO_PINGS,
      });
    }
    for (const l of d.logs) {
      messages.push({ embeds: [{ title: `📄 ${l.title}: its last lines`, color: 0x95a5a6 }], attachments: [{ name: `${l.member}-last-lines.txt`, text: l.text }], allowedMentions: NO_PINGS });
    }
    let rest = embeds;
    while (rest.length) {
      const [now, later] = takeEmbeds(rest);
      const message: DiscordNotice = mention ? { content: `<@&${mention}>`, embeds: now, allowedMentions: { parse: [], roles: [mention] } } : { embeds: now, allowedMentions: NO_PINGS };
      if (attachments.length && rest === embeds) message.attachments = attachments;
      messages.push(message);
      rest = later;
      mention = undefined;
    }
    return messages;
  }

  private opportunity(o: Opportunity, confirmation: string | undefined): DiscordMessage {
    const { symbol, decimals } = o.baseToken;
    const amount = (v: string) => `${formatAmount(v, decimals)} ${symbol}`;
    const embed: APIEmbed = {
      title: `💱 ${o.path.join('→')} · buy ${o.buyDex}, sell ${o.sellDex} · simulated ✓`,
      fields: [
        { name: 'optimal input', value: amount(o.amountIn) },
        { name: 'profit (swaps)', value: amount(o.profit) },
        { name: 'net (after loan fee and gas)', value: amount(o.netProfit) },
        { name: 'flash loan', value: o.flashLoan },
        { name: 'id', value: o.id },
      ],
      color: 0x9b59b6,
    };
    // Whoever presses Execute needs the operate permission, checked and audited then.
    return confirmation ? { embeds: [embed], components: this.options.buttons(confirmation, 'Execute', false), allowedMentions: NO_PINGS } : { embeds: [embed], allowedMentions: NO_PINGS };
  }
}
