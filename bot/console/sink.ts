import type { Writable } from 'node:stream';
import { formatDuration } from '../../config/duration.js';
import { describeOpportunity } from '../../defi/describe.js';
import { escapeCode } from '../../security/escape.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Digest, NoticeSink } from '../notifier/index.js';

/**
 * Notices in the console: one line each — alerts (new, reminders, resolved), healing, findings — printed between
 * replies in a terminal; from a pipe (a script reading replies) they go to the log instead, keeping stdout for replies.
 */
export class ConsoleSink implements NoticeSink<string> {
  readonly name = 'console';

  constructor(
    private readonly output: Writable,
    private readonly interactive: boolean,
    private readonly log: Logger,
  ) {}

  render(d: Digest): string[] {
    const mark = (severity: string) => (severity === 'critical' ? '✖' : '!');
    return [
      ...d.firing.map(({ alert: a, count }) =>
        [
          `${mark(a.severity)} ${a.title}${a.detail ? ` — ${a.detail}` : ''}${count > 1 ? ` (×${count})` : ''}`,
          ...(a.context ?? []).map((c) => `  ${c}`),
          ...(a.logTail ? ['  last lines:', ...a.logTail.split('\n').slice(-5).map((l) => `    ${l}`)] : []),
        ].join('\n'),
      ),
      ...d.resolved.map(({ alert: a, since }) => `✔ ${a.title} — fired for ${formatDuration(a.at - since)}`),
      ...d.healing.map((h) => `✚ ${h.title}${h.detail ? ` — ${h.detail}` : ''}${h.answers ? ` (answers: ${h.answers})` : ''}`),
      // One line per entry whatever a name or reply holds (line breaks shown as \n).
      ...d.audit.map((e) => `§ ${escapeCode(e.user.name, 64)} /${e.command} (${e.via}) — ${e.outcome}: ${escapeCode(e.detail, 300)}`),
      ...d.findings.map((f) => (f.type === 'execution' ? `${f.ok ? '✔' : '✖'} execute ${f.opportunity.id}: ${f.detail}` : [`• ${f.title}`, ...f.lines].join('\n'))),
      ...d.opportunities.map(({ opportunity }) => `$ ${describeOpportunity(opportunity)}`),
      ...d.metrics.map((m) => [`≡ ${m.title}`, ...m.lines.map((l) => `  ${l}`)].join('\n')),
      ...d.logs.map((l) => [`≡ ${l.title}: its last lines`, ...l.text.split('\n').map((x) => `    ${x}`)].join('\n')),
    ];
  }

  async send(_destination: string, line: string): Promise<void> {
    if (this.interactive) this.output.write(`\n${line}\n`);
    else this.log.info(line);
  }

  permanent(): boolean {
    return false;
  }
}
