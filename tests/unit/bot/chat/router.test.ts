import { describe, expect, it } from 'vitest';
import { route, type Intent } from '../../../../bot/chat/router.js';

const MEMBERS = ['price-feed', 'arbitrage', 'blockchain', 'monitoring', 'task-queue', 'liquidity', 'scanner'];

const CASES: [string, Intent | undefined][] = [
  // status
  ["what's down?", { command: 'status', args: {} }],
  ['status', { command: 'status', args: {} }],
  ['how is the fleet doing?', { command: 'status', args: {} }],
  ['is anything broken', { command: 'status', args: {} }],
  ['is the price feed healthy?', { command: 'status', args: { member: 'price-feed' } }],
  ['is arbitrage up', { command: 'status', args: { member: 'arbitrage' } }],
  ["how's monitoring", { command: 'status', args: { member: 'monitoring' } }],
  ['what is wrong with the blockchain server', { command: 'status', args: { member: 'blockchain' } }],
  ['health of task queue', { command: 'status', args: { member: 'task-queue' } }],
  ['anything failing right now?', { command: 'status', args: {} }],
  ['is the scanner running?', { command: 'status', args: { member: 'scanner' } }],
  // restart (changes: imperative only)
  ['restart price feed', { command: 'restart', args: { member: 'price-feed' } }],
  ['restart the arbitrage server', { command: 'restart', args: { member: 'arbitrage' } }],
  ['please restart blockchain', { command: 'restart', args: { member: 'blockchain' } }],
  ['can you restart the monitoring server?', { command: 'restart', args: { member: 'monitoring' } }],
  ['could you please bounce task-queue', { command: 'restart', args: { member: 'task-queue' } }],
  ['reboot pricefeed', { command: 'restart', args: { member: 'price-feed' } }],
  ['restart price feed and tell me when it is healthy', { command: 'restart', args: { member: 'price-feed' } }],
  ['Restart Liquidity', { command: 'restart', args: { member: 'liquidity' } }],
  ['kick the scanner', { command: 'restart', args: { member: 'scanner' } }],
  ['fleetbot, restart arbitrge', { command: 'restart', args: { member: 'arbitrage' } }],
  // near misses: must not restart
  ["don't restart the price feed", undefined],
  ['do not restart arbitrage', undefined],
  ['how do I restart the price feed?', undefined],
  ['what happens if I restart blockchain', undefined],
  ['when was monitoring restarted?', undefined],
  ['how many restarts has task-queue had', { command: 'status', args: { member: 'task-queue' } }],
  ['should I restart the scanner?', undefined],
  ['never restart liquidity during trading', undefined],
  ['the restart of arbitrage failed', undefined],
  ['restart', undefined],
  ['restart everything', undefined],
  ['i restarted price feed yesterday', undefined],
  ['stop restarting the price feed', undefined],
  ['restart counts look high', undefined],
  // logs
  ['show me the last 20 lines from the arbitrage server', { command: 'logs', args: { member: 'arbitrage', count: 20 } }],
  ['logs of price feed', { command: 'logs', args: { member: 'price-feed' } }],
  ['tail blockchain 50', { command: 'logs', args: { member: 'blockchain', count: 50 } }],
  ['what did monitoring print?', { command: 'logs', args: { member: 'monitoring' } }],
  ['last 100 log lines of task-queue', { command: 'logs', args: { member: 'task-queue', count: 100 } }],
  ['show scanner logs', { command: 'logs', args: { member: 'scanner' } }],
  ['and its logs?', undefined],
  // servers and tools
  ['what can the blockchain server do?', { command: 'servers', args: { server: 'blockchain' } }],
  ['which tools does monitoring have', { command: 'servers', args: { server: 'monitoring' } }],
  ['list the mcp servers', { command: 'servers', args: {} }],
  ['what servers are there', { command: 'servers', args: {} }],
  ['what tools are available', { command: 'servers', args: {} }],
  // agents, healer, silences
  ['are the agents alive?', { command: 'agents', args: {} }],
  ['which workers are running', { command: 'agents', args: {} }],
  ['what is the healer doing', { command: 'heal', args: { action: 'status' } }],
  ['is price feed crash-looping?', { command: 'heal', args: { action: 'status', member: 'price-feed' } }],
  ['silence price feed for 30m', { command: 'silence', args: { member: 'price-feed', duration: '30m' } }],
  ['mute arbitrage 2 hours', { command: 'silence', args: { member: 'arbitrage', duration: '2h' } }],
  ['please silence the scanner for 1 day', { command: 'silence', args: { member: 'scanner', duration: '1d' } }],
  ['silence price feed', undefined],
  ["don't silence the arbitrage alerts", undefined],
  ['unmute price feed', { command: 'unsilence', args: { member: 'price-feed' } }],
  ['what is silenced?', { command: 'silences', args: {} }],
  ['which members are muted', { command: 'silences', args: {} }],
  // DeFi
  ['any arbitrage worth taking on WETH/USDC?', { command: 'opportunities', args: {} }],
  ['latest opportunities', { command: 'opportunities', args: {} }],
  ['scan now', { command: 'scan', args: {} }],
  ['run a scan', { command: 'scan', args: {} }],
  ['price of WETH in USDC', { command: 'price', args: { base: 'WETH', quote: 'USDC' } }],
  ['weth/usdc price', { command: 'price', args: { base: 'WETH', quote: 'USDC' } }],
  ["what's the spread on WBTC vs WETH", { command: 'price', args: { base: 'WBTC', quote: 'WETH' } }],
  ['show the pools', { command: 'pools', args: {} }],
  ['how much liquidity is in the pools', { command: 'pools', args: {} }],
  // nothing to do
  ['tell me a joke', undefined],
  ['thanks!', undefined],
  ['', undefined],
];

describe('fallback router', () => {
  it('has at least 60 phrasings, near misses of changes among them', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(CASES.filter(([text, intent]) => /restart|silence|mute/.test(text) && !['restart', 'silence'].includes(intent?.command ?? '')).length).toBeGreaterThanOrEqual(12);
  });

  it.each(CASES)('%j → %j', (text, expected) => {
    expect(route(text, MEMBERS)).toEqual(expected);
  });
});
