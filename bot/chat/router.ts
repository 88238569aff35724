import { didYouMean } from '../suggest.js';

/**
 * The fallback router: without a language model, the common requests in plain words still reach the same commands.
 * It is deliberately literal. A change (restart, silence) is recognised only as an imperative — "restart price
 * feed", "please bounce the arbitrage server" — never in a question, a negation or a sentence that merely mentions
 * it ("how do I restart…", "don't restart…", "when was it restarted?").
 */

export interface Intent {
  command: string;
  args: Record<string, unknown>;
}

const POLITE = String.raw`^(?:(?:hey|hi|ok|okay)\s+fleetbot[,!]?\s+|fleetbot[,:]?\s+)?(?:please\s+|pls\s+|kindly\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?|go\s+(?:and\s+)?)?`;
const RESTART = new RegExp(`${POLITE}(?:restart|reboot|bounce|recycle|kick)\\b`);
const SILENCE = new RegExp(`${POLITE}(?:silence|mute|snooze)\\b`);
const UNSILENCE = new RegExp(`${POLITE}(?:unsilence|unmute|unsnooze)\\b`);
const NEGATION = /\b(?:don'?t|do not|never|no need|shouldn'?t|should not|stop|avoid|without|not)\b/;
const WORDS_AROUND_NAMES = /\b(?:the|server|servers|service|member|mcp|agent|container|please|now|again|one|1)\b/g;

/** The member a sentence names: exactly, with spaces for dashes ("price feed"), or by a close spelling. */
function findMember(text: string, members: readonly string[]): string | undefined {
  const flat = ` ${text.replace(/[^a-z0-9-]+/g, ' ')} `;
  const byLength = [...members].sort((a, b) => b.length - a.length);
  for (const name of byLength) {
    if (flat.includes(` ${name} `) || flat.includes(` ${name.replace(/-/g, ' ')} `) || flat.includes(` ${name.replace(/-/g, '')} `)) return name;
  }
  // One or two words that are nearly a member's name ("pricefeed", "arbitrge").
  const words = flat.replace(WORDS_AROUND_NAMES, ' ').trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    for (const span of [2, 1]) {
      const candidate = words.slice(i, i + span).join('-');
      if (candidate.length < 4) continue;
      const match = didYouMean(candidate, members);
      if (match && Math.abs(match.length - candidate.length) <= 2) return match;
    }
  }
  return undefined;
}

/** The sentence without the member's name in any of its spellings, so a name is never read as an intent word. */
function withoutMember(text: string, member: string | undefined): string {
  if (!member) return text;
  const spellings = [member, member.replace(/-/g, ' '), member.replace(/-/g, '')];
  return spellings.reduce((rest, spelling) => rest.split(spelling).join(' '), text);
}

function count(text: string): number | undefined {
  const match = /\b(?:last|first|tail)?\s*(\d{1,5})\s*(?:log\s+)?(?:lines?|entries|rows)?\b/.exec(text);
  return match ? Number(match[1]) : undefined;
}

function duration(text: string): string | undefined {
  const match = /\b(\d{1,4})\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\b/.exec(text);
  if (!match) return undefined;
  const unit = match[2]!.startsWith('s') ? 's' : match[2]!.startsWith('m') ? 'm' : match[2]!.startsWith('h') ? 'h' : 'd';
  return `${match[1]}${unit}`;
}

/** Two token symbols: "WETH/USDC", "weth in usdc", "spread on wbtc vs weth". */
function pair(text: string): [string, string] | undefined {
  const words = text.replace(/\b(?:the|price|prices|spread|quote|of|for|on|a|any|what|is|'s|whats|what's)\b/g, ' ');
  const match = /\b([a-z][a-z0-9]{1,9})\s*(?:\/|-|\bin\b|\bvs\.?|\bto\b|\band\b)\s*([a-z][a-z0-9]{1,9})\b/.exec(words);
  return match ? [match[1]!.toUpperCase(), match[2]!.toUpperCase()] : undefined;
}

const has = (pattern: RegExp, text: string) => pattern.test(text);

export function route(input: string, members: readonly string[]): Intent | undefined {
  const text = input.toLowerCase().replace(/[’`]/g, "'").replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  const member = findMember(text, members);
  // Intent words are looked for outside the member's name: "price feed" is not a price, "arbitrage" a member.
  const rest = withoutMember(text, member);
  const negated = NEGATION.test(text);
  const withMember = (args: Record<string, unknown> = {}) => (member ? { ...args, member } : args);

  // Changes: imperative only, never negated, and only with a member named.
  if (RESTART.test(text)) return !negated && member ? { command: 'restart', args: { member } } : undefined;
  if (UNSILENCE.test(text)) return !negated && member ? { command: 'unsilence', args: { member } } : undefined;
  if (SILENCE.test(text)) {
    const span = duration(rest);
    return !negated && member && span ? { command: 'silence', args: { member, duration: span } } : undefined;
  }
  if (negated && has(/\b(?:restart|silence|mute|kill|stop)/, rest)) return undefined;

  if (has(/\b(?:silences|silenced|muted)\b/, rest)) return { command: 'silences', args: {} };
  if (member && has(/\blogs?\b|\blines?\b|\btail\b|\boutput\b|\bprint(?:ed)?\b/, rest)) {
    const n = count(rest);
    return { command: 'logs', args: n ? { member, count: n } : { member } };
  }
  if (member && has(/\bwhat can\b.*\bdo\b|\btools?\b|\bcapabilit/, rest)) return { command: 'servers', args: { server: member } };
  if (has(/\bservers\b|\btools\b/, rest)) return { command: 'servers', args: {} };
  if (has(/\bagents?\b|\bworkers?\b/, rest)) return { command: 'agents', args: {} };
  if (has(/\bheal(?:er|ing)?\b|\bauto-?restart|\bcrash-?loop/, rest)) return { command: 'heal', args: withMember({ action: 'status' }) };
  // Restarts mentioned, not asked for: only "how many restarts" is a question a command answers.
  if (has(/\brestart/, rest)) return has(/\bhow many\b/, rest) ? { command: 'status', args: withMember() } : undefined;
  if (has(/\bopportunit|\barbitrage\b|\barb\b|\bworth taking\b/, rest)) return { command: 'opportunities', args: {} };
  if (has(/\bscan\b/, rest)) return { command: 'scan', args: {} };
  if (has(/\bprices?\b|\bquote\b|\bspread\b/, rest)) {
    const tokens = pair(rest);
    return tokens ? { command: 'price', args: { base: tokens[0], quote: tokens[1] } } : undefined;
  }
  if (has(/\bpools?\b|\bliquidity\b/, rest)) return { command: 'pools', args: {} };
  if (has(/\bstatus\b|\bhealth(?:y)?\b|\bdown\b|\bup\b|\brunning\b|\balive\b|\bbroken\b|\bwrong\b|\bfailing\b|\bok\b|\bfleet\b|\bhow(?:'s| is| are)\b/, rest)) {
    return { command: 'status', args: withMember() };
  }
  return undefined;
}
