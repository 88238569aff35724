import { describe, expect, it } from 'vitest';
import { renderText } from '../../../bot/reply-text.js';
import { redactReply } from '../../../bot/dispatch.js';

describe('console rendering', () => {
  it('aligns table columns under upper-case headers', () => {
    const text = renderText({
      tone: 'warn',
      title: 'fleet: 2 members — 1 healthy, 1 down',
      table: { columns: ['member', 'health'], rows: [{ cells: ['blockchain', 'healthy'] }, { cells: ['price-feed', 'down'], tone: 'error' }] },
    });
    expect(text).toBe(['! fleet: 2 members — 1 healthy, 1 down', 'MEMBER      HEALTH', 'blockchain  healthy', 'price-feed  down'].join('\n'));
  });

  it('colours only when asked', () => {
    expect(renderText({ tone: 'ok', title: 'done' }, { colour: true })).toBe('\u001b[32m✔ done\u001b[0m');
  });

  it('redacts every text of a reply', () => {
    const secret = 'sk-proj-NN1GmJjcLhHMqGToJPdnQ6PJgbj6TDxQXrnsTdlTEVwam3h4';
    const reply = redactReply({ tone: 'info', title: secret, body: secret, table: { columns: ['c'], rows: [{ cells: [secret] }] }, code: { text: secret, filename: 'x.log' } });
    expect(JSON.stringify(reply)).not.toContain('NN1GmJjc');
  });
});
