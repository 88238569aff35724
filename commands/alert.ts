import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DurationSchema, formatDuration } from '../config/duration.js';
import type { Command } from './index.js';

const args = z.object({
  severity: z.enum(['info', 'warning', 'critical']).describe('How loud: info, warning or critical (critical pings on-call)'),
  message: z.string().min(1).max(200).default('checking the alert path').describe('What the test alert says'),
  resolve: z.string().default('1m').describe('When its resolved notice follows (e.g. 30s, 5m)'),
});

export default {
  name: 'alert',
  description: 'Send a test alert through the real alert path (grouping, channels, a resolved notice later)',
  args,
  permission: 'operate',
  async run(ctx, { severity, message, resolve }) {
    const after = DurationSchema.safeParse(resolve);
    if (!after.success || after.data < 1000 || after.data > 86_400_000) return { tone: 'error', title: `resolve must be a duration from 1s to 24h, e.g. 30s or 5m — not \`${resolve}\`` };
    const key = `test-${randomBytes(4).toString('hex')}`;
    const alert = { key, severity, title: `TEST ${severity} alert: ${message}`, detail: `a test sent by ${ctx.caller.name} with /alert — nothing is wrong` };
    await ctx.notify.add('alert', { ...alert, status: 'firing', at: Date.now() });
    // The resolved notice goes the same way later, as a real alert's would.
    await ctx.notify.add('alert', { ...alert, status: 'resolved', at: Date.now() + after.data }, { delay: after.data });
    return { tone: 'ok', title: `test alert ${key} sent (${severity}); its resolved notice follows in ${formatDuration(after.data)}` };
  },
} satisfies Command<typeof args>;
