import { LangEn } from 'ethers/wordlists';

/**
 * Redacts secrets from any text that is shown to a user or written to a log line: private keys, mnemonics,
 * bearer tokens, API keys, Discord tokens, passwords in URLs. It errs on the side of hiding: a bare 64-hex-digit
 * value is treated as a private key unless it is labelled as a hash (tx, block, topic, …).
 */

type Rule = { kind: string; pattern: RegExp; replace?: (match: string, ...groups: string[]) => string };

const mark = (kind: string) => `[REDACTED ${kind}]`;

// Labels that make a following value a secret (env vars, JSON keys, CLI flags, `key: value`).
const SECRET_LABEL =
  String.raw`[\w.-]*?(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|priv[_-]?key|mnemonic|seed[_-]?phrase|credentials?|auth[_-]?key)`;

const RULES: Rule[] = [
  {
    kind: 'private-key',
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  },
  { kind: 'url-password', pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):([^\s@/]+)@/gi, replace: (_m, head) => `${head}:${mark('password')}@` },
  { kind: 'discord-webhook', pattern: /(discord(?:app)?\.com\/api\/webhooks\/\d+\/)[\w-]+/gi, replace: (_m, head) => `${head}${mark('token')}` },
  {
    // RPC providers put the API key in the path.
    kind: 'rpc-key',
    pattern: /(\b(?:infura\.io|alchemy\.com|alchemyapi\.io|quiknode\.pro|ankr\.com|blastapi\.io|drpc\.org|chainstack\.com)[^\s/]*\/(?:v\d\/|rpc\/|[\w-]+\/)?)([A-Za-z0-9_-]{16,})/gi,
    replace: (_m, head) => `${head}${mark('api-key')}`,
  },
  {
    kind: 'query-secret',
    pattern: /([?&](?:api[_-]?key|apikey|key|token|access[_-]?token|secret|password|sig|signature|auth)=)(?!\[REDACTED)[^\s&#"']+/gi,
    replace: (_m, head) => `${head}${mark('secret')}`,
  },
  { kind: 'bearer', pattern: /\b(Bearer|Basic|Bot)\s+[A-Za-z0-9._~+/=-]{8,}/g, replace: (_m, scheme) => `${scheme} ${mark('token')}` },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'discord-token', pattern: /\b[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,38}\b/g },
  { kind: 'api-key', pattern: /\bsk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'api-key', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g },
  { kind: 'api-key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: 'api-key', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'api-key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { kind: 'api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'api-key', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'api-key', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: 'api-key', pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g },
  {
    kind: 'labelled',
    pattern: new RegExp(String.raw`(\b${SECRET_LABEL}["']?\s*(?:[:=]|=>)\s*)("[^"\n]*"|'[^'\n]*'|[^\s"',;&)}\]]+)`, 'gi'),
    replace: (match, head: string, value: string) => {
      const bare = value.replace(/^["']|["']$/g, '');
      // `max_tokens: 512` or `password: ""` are not secrets; short values after token/key labels are counts.
      if (bare.length === 0 || bare.startsWith('[REDACTED')) return match;
      if (/token|key/i.test(head) && !/private|priv/i.test(head) && (bare.length < 8 || /^\d+$/.test(bare))) return match;
      const quote = value.startsWith('"') || value.startsWith("'") ? value[0] : '';
      return `${head}${quote}${mark('secret')}${quote}`;
    },
  },
  {
    // 32-byte hex: an EVM private key unless a label says it is a hash.
    kind: 'private-key',
    pattern: /(?<![0-9a-fA-Fx])(0x)?[0-9a-fA-F]{64}(?![0-9a-fA-F])/g,
    replace: (match, _prefix, offset: unknown, whole: unknown) => {
      const before = String(whole).slice(Math.max(0, Number(offset) - 28), Number(offset));
      if (/(?:tx|txn|hash|block|topic|root|digest|sha-?256|commit|receipt|id)\w*(?:\[\d+\])?["']?\s*[:=(#\s]\s*["']?(?:0x)?$/i.test(before)) return match;
      return mark('private-key');
    },
  },
];

// A Set: the word list's own lookup decodes its compressed form on every call, and redaction runs on every reply.
const bip39 = (() => {
  const list = LangEn.wordlist();
  return new Set(Array.from({ length: 2048 }, (_, i) => list.getWord(i)));
})();
const WORD = /[a-z]+/g;

/** Runs of 12+ BIP-39 words (separated by spaces, commas or newlines) are seed phrases. */
function redactMnemonics(text: string): string {
  const words = [...text.matchAll(WORD)];
  let runStart = 0;
  let runLength = 0;
  const spans: [number, number][] = [];
  const flush = (endIndex: number) => {
    if (runLength >= 12) {
      const first = words[runStart]!;
      const last = words[endIndex]!;
      spans.push([first.index!, last.index! + last[0].length]);
    }
  };
  words.forEach((word, i) => {
    const isWord = bip39.has(word[0]);
    const gapOk = runLength > 0 && /^[\s,]{1,3}$/.test(text.slice(words[i - 1]!.index! + words[i - 1]![0].length, word.index!));
    const boundaryOk = !/[A-Za-z0-9_]/.test(text[word.index! - 1] ?? '') && !/[A-Za-z0-9_]/.test(text[word.index! + word[0].length] ?? '');
    if (isWord && boundaryOk && (runLength === 0 || gapOk)) {
      if (runLength === 0) runStart = i;
      runLength++;
    } else {
      flush(i - 1);
      runLength = isWord && boundaryOk ? 1 : 0;
      runStart = i;
    }
  });
  flush(words.length - 1);
  let out = text;
  for (const [start, end] of spans.reverse()) out = `${out.slice(0, start)}${mark('mnemonic')}${out.slice(end)}`;
  return out;
}

export function redact(text: string): string {
  let out = text;
  for (const rule of RULES) {
    out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) =>
      rule.replace ? rule.replace(match, ...(rest as string[])) : mark(rule.kind),
    );
  }
  return redactMnemonics(out);
}
