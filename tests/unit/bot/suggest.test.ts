import { describe, expect, it } from 'vitest';
import { didYouMean, unknownChoice } from '../../../bot/suggest.js';

const MEMBERS = ['price-feed', 'arbitrage', 'blockchain', 'monitoring', 'task-queue'];

describe('did you mean', () => {
  it.each([
    ['pricefeed', 'price-feed'],
    ['price feed', 'price-feed'],
    ['Price_Feed', 'price-feed'],
    ['arbitrag', 'arbitrage'],
    ['blockchian', 'blockchain'],
    ['mon', 'monitoring'],
    ['taskqueue', 'task-queue'],
  ])('%s → %s', (input, expected) => expect(didYouMean(input, MEMBERS)).toBe(expected));

  it('suggests nothing for something unrelated', () => {
    expect(didYouMean('kubernetes', MEMBERS)).toBeUndefined();
  });

  it('writes the whole message with the valid choices, echoing input safely', () => {
    expect(unknownChoice('member', 'pricefeed', MEMBERS)).toBe(
      'unknown member `pricefeed` — did you mean `price-feed`? members: price-feed, arbitrage, blockchain, monitoring, task-queue',
    );
    const echoed = unknownChoice('command', '`rm -rf`\n'.repeat(10), ['status']);
    expect(echoed).toMatch(/^unknown command `'rm -rf'[^`\n]{28,40}…` — commands: status$/);
  });
});
