import { LangEn } from 'ethers/wordlists';

/**
 * Redacts secrets from any text shown to a person or written to a log: keys, seed phrases, tokens, passwords.
 * It errs on the side of hiding (a bare 64-hex value is a key unless a label calls it a hash), but keeps the words
 * around a secret and the look-alikes people need to read: addresses, labelled hashes, git SHAs, UUIDs, timestamps.
 *
 * The vendor token shapes follow secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend 13,
 * MIT): its rules were read and their token formats re-expressed here rather than run, because secretlint lints
 * asynchronously through its own core and source model, and this runs synchronously on every reply and log line.
 * fleetbot's own rules (keys, seed phrases, keys whose header fell outside the text, CLI flags) come on top.
 */

const mark = (kind: string) => `[REDACTED ${kind}]`;
const REDACTED = '[REDACTED';

type Replace = (match: string, groups: string[], offset: number, whole: string) => string;
interface Rule {
  kind: string;
  pattern: RegExp;
  /** Cheap test on the whole text: when false the pattern is not run at all. */
  hint?: RegExp;
  /** The replacement; default: the whole match becomes the marker. */
  replace?: Replace;
}

/** Keeps group 1 (the label, scheme, …) and hides group 2; a value already redacted is left alone. */
const keepHead =
  (kind: string): Replace =>
  (match, [head = '', value = '']) =>
    value.startsWith(REDACTED) ? match : `${head}${mark(kind)}`;

// Labels whose value is always a secret, and labels whose value is one when it looks like one (`max_tokens: 512`
// is a count, `api_key: (not set)` says nothing).
const STRONG_LABEL = String.raw`password|passwd|passphrase|secret|private[_-]?key|priv[_-]?key|privkey|secret[_-]?key|mnemonic|seed[_-]?phrase|recovery[_-]?phrase|credentials?|wif|xprv|keystore[_-]?password|signing[_-]?key|validator[_-]?key|deployer[_-]?key|wallet[_-]?key|encryption[_-]?key|master[_-]?key|hmac[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|auth[_-]?key`;
const WEAK_LABEL = String.raw`pass|seed|token|api[_-]?key|apikey|access[_-]?key|key|auth|authorization|session|cookie|dsn|sig|signature`;
const LABEL = new RegExp(
  String.raw`(\b[\w.-]*?(?:${STRONG_LABEL}|${WEAK_LABEL})["']?\s*(?:[:=]|=>)\s*)("[^"\n]*"|'[^'\n]*'|[^\s"',;&)}\]]+)`,
  'gi',
);
const STRONG = new RegExp(String.raw`(?:${STRONG_LABEL})["']?\s*(?:[:=]|=>)\s*$`, 'i');
// A value that is not a secret whatever its label: empty, a placeholder, a reference to another variable, a count.
const PLACEHOLDER = /^(?:|null|none|nil|undefined|true|false|\*+|x+|\.\.\.|<[^>]*>|\$\{?[A-Za-z_][\w]*\}?|\(not set\)|\(unset\)|\(none\))$/i;

const labelled: Replace = (match, [head = '', value = '']) => {
  const bare = value.replace(/^["']|["']$/g, '');
  if (bare.startsWith(REDACTED) || PLACEHOLDER.test(bare) || bare.startsWith('(not')) return match;
  if (!STRONG.test(head)) {
    // A weak label (token, key, auth …) needs a value that looks made by a machine: long enough, not a count,
    // not a plain word.
    if (bare.length < 8 || /^\d+(?:\.\d+)?$/.test(bare) || /^[a-z]+(?:[ ._-][a-z]+)*$/i.test(bare)) return match;
    // `cache_key: users:profile:12345`: a name, not a secret.
    if (/^(?:\d+|[a-z][\w-]*):(?:\d+|[a-z][\w-]*)(?::[\w-]+)*$/i.test(bare)) return match;
  }
  const quote = value.startsWith('"') || value.startsWith("'") ? value[0] : '';
  return `${head}${quote}${mark('secret')}${quote}`;
};

// Words that name a 32-byte value as public: a hash, a root, an id — anything else is treated as a key.
const HASH_WORDS = new Set([
  'tx', 'txn', 'txid', 'txs', 'transaction', 'hash', 'hashes', 'block', 'blocks', 'blockhash', 'parent', 'topic', 'topics', 'root',
  'digest', 'sha', 'sha256', 'sha3', 'keccak', 'keccak256', 'commit', 'receipt', 'id', 'ids', 'nonce', 'salt', 'codehash', 'checksum',
  'sum', 'bytes32', 'log', 'event', 'request', 'message', 'msg', 'data', 'mix', 'state', 'receipts', 'transactions', 'uncles', 'image',
  'layer', 'blob', 'tree', 'merkle', 'leaf', 'proof', 'signature', 'sig', 'pubkey', 'etag', 'revision', 'rev', 'ref', 'sha1', 'sha512',
]);
const SECRET_WORDS = /key|secret|priv|seed|mnemonic|pass|wif|sk$|signer|wallet|credential|auth/i;

/** A 32-byte hex value is a key unless the word before it names it a hash, block, tx, topic, id, … */
const hexKey: Replace = (match, _groups, offset, whole) => {
  let before = whole.slice(Math.max(0, offset - 48), offset).replace(/[\s"':=(#,>\-]*$/, '').replace(/\[\d+\]$/, '');
  before = before.replace(/[\s"':=(#,>\-]*$/, '');
  const label = /([A-Za-z_][\w.]*)$/.exec(before)?.[1] ?? '';
  if (!label || SECRET_WORDS.test(label)) return mark('private-key');
  // The last word of snake_case, camelCase or dotted names: blockHash → hash, tx_hash → hash, image sha256 → sha256.
  const words = label.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[\s_.]+/).filter(Boolean);
  return HASH_WORDS.has(words.at(-1) ?? '') || HASH_WORDS.has(label.toLowerCase()) ? match : mark('private-key');
};

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

// Labels that name a long base64/base58 value as public: integrity hashes, addresses, content ids.
const PUBLIC_BLOB_LABEL = /(?:sha\d*[-:=]|integrity[\s"':=]*|digest[\s"':=]*|hash[\s"':=]*|checksum[\s"':=]*|(?:address|owner|account|wallet|authority|payer|recipient|program[_ ]?id)[\s"':=]*|pubkey[\s"':=]*|public[_ -]?key[\s"':=]*|mint[\s"':=]*|program[\s"':=]*|cid[\s"':=]*|ipfs:\/\/|\/ipfs\/|etag[\s"':=]*|signature[\s"':=]*)$/i;

/** Whether the token is base64 of printable text that redaction would change. */
function wrapsSecret(token: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) && !/^[A-Za-z0-9_-]+$/.test(token)) return false;
  const decoded = Buffer.from(token, token.includes('-') || token.includes('_') ? 'base64url' : 'base64').toString('latin1');
  if (decoded.length < 16 || !/^[\x20-\x7e\t\r\n]+$/.test(decoded)) return false;
  return redact(decoded) !== decoded;
}

/**
 * A long machine-made token with no known prefix — a bare AWS secret or session key, a base64-wrapped key, a
 * Solana secret in base58: long, mixed case with digits, high entropy, and not labelled as something public.
 */
const opaqueToken: Replace = (match, _groups, offset, whole) => {
  if (/^(?:0x)?[0-9a-fA-F]+$/.test(match)) return match; // hex: the hex rules decide
  // base64 around something that is itself a secret (a PEM file, a hex key, a password line) is that secret.
  if (wrapsSecret(match)) return mark('secret');
  if (!/[A-Z]/.test(match) || !/[a-z]/.test(match) || !/\d/.test(match)) return match;
  const threshold = match.length >= 64 ? 4.6 : 4.2;
  if (entropy(match) < threshold) return match;
  if (PUBLIC_BLOB_LABEL.test(whole.slice(Math.max(0, offset - 24), offset))) return match;
  return mark('secret');
};

/** A URL's password runs to the last `@` before the host, so passwords containing `@` or `/` are caught whole. */
const urlPassword: Replace = (match, [head = '', password = '']) => {
  if (password.startsWith(REDACTED)) return match;
  // `http://host:8080/path/user@example.org`: a port and a path, not a password.
  if (/^\d{1,5}(?:\/|$)/.test(password)) return match;
  return `${head}:${mark('password')}@`;
};

const B58 = '[1-9A-HJ-NP-Za-km-z]';

const RULES: Rule[] = [
  // Key blocks first: they span lines, and nothing inside them should be matched on its own.
  {
    kind: 'private-key',
    hint: /PRIVATE KEY/,
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  {
    // A key body whose BEGIN line fell outside the text (a log tail): lines of base64 that open like DER (MI…) or
    // OpenSSH (b3BlbnNzaC1rZXktdjE), or two and more full-width base64 lines, up to the END line if it is there.
    kind: 'private-key',
    pattern: /(?:^|(?<=\n))(?:(?:MI|b3BlbnNzaC1rZXktdjE)[A-Za-z0-9+/]{38,}={0,2}|[A-Za-z0-9+/]{60,76}(?:\r?\n[A-Za-z0-9+/]{60,76})+)(?:\r?\n[A-Za-z0-9+/]{4,}={0,2})*(?:\r?\n-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?/g,
    replace: (match) => (/[A-Z]/.test(match) && /[a-z]/.test(match) && /\d/.test(match) ? mark('private-key') : match),
  },
  { kind: 'private-key', hint: /-----END/, pattern: /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g },
  { kind: 'private-key', hint: /AGE-SECRET/, pattern: /\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/g },
  // base64 of "-----BEGIN": a whole PEM file wrapped in base64.
  { kind: 'private-key', hint: /LS0tLS1CRUdJT/, pattern: /LS0tLS1CRUdJT[A-Za-z0-9+/=]*/g },

  // Passwords in URLs and connection strings.
  {
    kind: 'url-password',
    hint: /:\/\//,
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*):(\S+)@(?=[\w.-]+(?::\d+)?(?:[/?#\s"'<>,;)]|$)|\[)/gi,
    replace: urlPassword,
  },
  {
    kind: 'connection-string',
    // Azure and ODBC connection strings (`…;AccountKey=…;`); Password/Pwd only inside one, so `PWD=/home/x` stays.
    hint: /(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=/i,
    pattern: /\b((?:AccountKey|SharedAccessKey|SharedAccessSignature)=|(?<=;\s?)(?:Password|Pwd)=|(?:Password|Pwd)=(?=[^;\s"']+;))([^;\s"']+)/gi,
    replace: keepHead('secret'),
  },

  // Webhooks and tokens carried in a URL's path.
  { kind: 'discord-webhook', hint: /webhooks/, pattern: /(discord(?:app)?\.com\/api\/webhooks\/\d+\/)([\w-]+)/gi, replace: keepHead('token') },
  { kind: 'slack-webhook', hint: /hooks\.slack/, pattern: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)([\w/-]+)/gi, replace: keepHead('token') },
  { kind: 'telegram-token', hint: /:/, pattern: /(?<![\w:])(?:bot)?\d{8,10}:AA[A-Za-z0-9_-]{33}(?![\w-])/g },
  {
    // RPC providers put the API key in the path.
    kind: 'rpc-key',
    hint: /infura|alchemy|quiknode|ankr|blastapi|drpc|chainstack|getblock|nodereal/i,
    pattern: /(\b(?:infura\.io|alchemy\.com|alchemyapi\.io|quiknode\.pro|ankr\.com|blastapi\.io|drpc\.org|chainstack\.com|getblock\.io|nodereal\.io)[^\s/]*\/(?:v\d\/|rpc\/|[\w-]+\/)?)([A-Za-z0-9_-]{16,})/gi,
    replace: keepHead('api-key'),
  },
  {
    kind: 'query-secret',
    hint: /[?&]/,
    pattern: /([?&](?:api[_-]?key|apikey|key|token|access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|secret|password|pass|sig|signature|auth|code|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=)([^\s&#"']+)/gi,
    // `?page=2`, `?code=200`: short numbers are not secrets.
    replace: (match, [head = '', value = '']) => (/^\d{1,6}$/.test(value) || value.startsWith(REDACTED) ? match : `${head}${mark('secret')}`),
  },

  // Authorization headers and schemes, any case (`bearer …` as curl and some libraries print it).
  {
    kind: 'authorization',
    hint: /authorization/i,
    // A scheme word, when there is one, is always taken as the scheme (so a redacted value stays redacted).
    pattern: /(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|bot|token|digest|negotiate|aws4-hmac-sha256|dpop)\s+|(?!(?:bearer|basic|bot|token|digest|negotiate|aws4-hmac-sha256|dpop)\s)))((?!\[REDACTED)[^\s"',]{6,})/gi,
    replace: keepHead('token'),
  },
  {
    kind: 'bearer',
    hint: /bearer|basic|bot |token /i,
    pattern: /\b(bearer|basic|bot|token)(\s+)([A-Za-z0-9._~+/=-]{8,})/gi,
    replace: (match, [scheme = '', space = '', token = '']) =>
      // A real credential has digits or symbols, or is long; "bearer authentication" is English.
      /[\d._~+/=-]/.test(token) || token.length >= 24 ? `${scheme}${space}${mark('token')}` : match,
  },
  { kind: 'cookie', hint: /cookie/i, pattern: /(\b(?:set-)?cookie["']?\s*:\s*)([^\n"]+)/gi, replace: keepHead('cookie') },

  // Command lines: `--password X`, `mysql -pX`, `redis-cli -a X`, redis `AUTH [user] X`.
  {
    kind: 'cli-secret',
    hint: /--/,
    pattern: /(--(?:password|passwd|pass|token|secret|api-key|apikey|access-token|auth-token|client-secret|private-key|privatekey|mnemonic|seed-phrase|passphrase|key-password|db-password|redis-password|requirepass|masterauth)(?:\s+|=))(?!--)("[^"\n]*"|'[^'\n]*'|\S+)/gi,
    replace: (match, [head = '', value = '']) => (PLACEHOLDER.test(value.replace(/^["']|["']$/g, '')) || value.startsWith(REDACTED) ? match : `${head}${mark('password')}`),
  },
  { kind: 'cli-secret', hint: /mysql|maria|-u/, pattern: /(\b(?:mysql\w*|mariadb\w*)\b[^\n]*?\s-p)(\S+)/g, replace: keepHead('password') },
  { kind: 'cli-secret', hint: /redis-cli/, pattern: /(\bredis-cli\b[^\n]*?\s-a\s+)(\S+)/g, replace: keepHead('password') },
  { kind: 'cli-secret', hint: /requirepass|masterauth/, pattern: /(\b(?:requirepass|masterauth)\s+)(\S+)/gi, replace: keepHead('password') },
  {
    // `AUTH [user] password`, as typed or as MONITOR prints it (`"AUTH" "pw"`): up to two words after AUTH go.
    kind: 'redis-auth',
    hint: /AUTH/,
    pattern: /((?:^|(?<=[\s>`\]]))"?AUTH"?\s+)("[^"\n]*"(?:\s+"[^"\n]*")?|[^\s<>"'`]+(?:[ \t]+[^\s<>"'`]+)?)/g,
    replace: keepHead('password'),
  },

  // Tokens with a known shape (after secretlint's recommended preset, and a few more).
  { kind: 'jwt', hint: /eyJ/, pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?/g },
  { kind: 'jwt', hint: /eyJ/, pattern: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.?[A-Za-z0-9_-]*/g },
  { kind: 'discord-token', pattern: /(?<![\w-])[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}(?![\w-])/g },
  { kind: 'anthropic-key', hint: /sk-ant/, pattern: /\bsk-ant-(?:api|admin|sid)\d\d-[A-Za-z0-9_-]{20,}/g },
  // A distinctive prefix gives away even a cut-off key (a user pasting half of one).
  { kind: 'openai-key', hint: /sk-/, pattern: /\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{8,}|[A-Za-z0-9_-]{20,})/g },
  { kind: 'github-token', hint: /gh[pousr]_|github_pat_/, pattern: /\b(?:gh[pousr]_[A-Za-z0-9_]{30,}|github_pat_[A-Za-z0-9_]{22,})/g },
  { kind: 'gitlab-token', hint: /gl|GR1348941/, pattern: /\b(?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt|glimt|glagent|gloas)-[A-Za-z0-9_-]{20,}|\bGR1348941[A-Za-z0-9_-]{20,}/g },
  { kind: 'aws-access-key', hint: /A3T|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA/, pattern: /\b(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}\b/g },
  { kind: 'aws-session-token', hint: /IQoJb3JpZ2luX2V|FwoGZXIvYXdz/, pattern: /(?:IQoJb3JpZ2luX2V|FwoGZXIvYXdz)[A-Za-z0-9+/=]{20,}/g },
  { kind: 'slack-token', hint: /xox|xapp/, pattern: /\b(?:xox[abposre]|xapp)-(?:\d-)?[A-Za-z0-9-]{10,}/g },
  { kind: 'stripe-key', hint: /_live_|_test_|whsec_/, pattern: /\b(?:(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+/=]{20,})/g },
  { kind: 'google-api-key', hint: /AIza/, pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'google-oauth-secret', hint: /GOCSPX-/, pattern: /\bGOCSPX-[A-Za-z0-9_-]{20,}/g },
  { kind: 'google-oauth-token', hint: /ya29\.|1\/\//, pattern: /\b(?:ya29\.[A-Za-z0-9_-]{20,}|1\/\/0[A-Za-z0-9_-]{30,})/g },
  { kind: 'npm-token', hint: /npm_/, pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'npm-token', hint: /_authToken|_auth\b|_password/, pattern: /(\b_(?:authToken|auth|password)\s*=\s*)(\S+)/g, replace: keepHead('token') },
  { kind: 'sendgrid-key', hint: /SG\./, pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g },
  { kind: 'huggingface-token', hint: /hf_/, pattern: /\bhf_[A-Za-z0-9]{30,}\b/g },
  { kind: 'groq-key', hint: /gsk_/, pattern: /\bgsk_[A-Za-z0-9]{40,}\b/g },
  { kind: 'twilio-key', hint: /SK|AC/, pattern: /\b(?:SK|AC)[0-9a-f]{32}\b/g },
  { kind: 'mailgun-key', hint: /key-/, pattern: /\bkey-[0-9a-f]{32}\b/g },
  { kind: 'shopify-token', hint: /shp/, pattern: /\bshp(?:at|ca|pa|ss)_[A-Fa-f0-9]{32,64}\b/g },
  { kind: 'vault-token', hint: /hv[sbr]\./, pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g },
  { kind: 'vercel-token', hint: /vc[pirak]_/, pattern: /\bvc[pirak]_[A-Za-z0-9]{20,}\b/g },
  { kind: 'databricks-token', hint: /dapi/, pattern: /\bdapi[a-f0-9]{32}(?:-\d)?\b/g },
  { kind: 'docker-token', hint: /dckr_/, pattern: /\bdckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}/g },
  { kind: 'figma-token', hint: /figd_/, pattern: /\bfigd_[A-Za-z0-9_-]{30,}/g },
  { kind: 'linear-key', hint: /lin_/, pattern: /\blin_(?:api|oauth)_[A-Za-z0-9_]{32,}/g },
  { kind: 'notion-token', hint: /ntn_|secret_/, pattern: /\b(?:ntn_\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b/g },
  { kind: 'cloudflare-token', hint: /cf[ku]t?_|cfat_/, pattern: /\b(?:cfk|cfut|cfat)_[A-Za-z0-9]{40,}/g },
  { kind: 'tailscale-key', hint: /tskey-/, pattern: /\btskey-[a-z]+-[A-Za-z0-9_]{8,}-[A-Za-z0-9_]{16,}/g },
  { kind: 'grafana-token', hint: /gl(?:c|sa)_/, pattern: /\b(?:glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})/g },
  { kind: '1password-token', hint: /ops_ey/, pattern: /\bops_ey[A-Za-z0-9+/=]{40,}/g },
  { kind: 'digitalocean-token', hint: /do[opr]_v1_/, pattern: /\bdo[opr]_v1_[a-f0-9]{64}\b/g },
  { kind: 'pypi-token', hint: /pypi-/, pattern: /\bpypi-AgE[A-Za-z0-9_-]{50,}/g },
  { kind: 'doppler-token', hint: /dp\./, pattern: /\bdp\.(?:st|ct|sa|scim|audit)\.[A-Za-z0-9._-]{40,}/g },
  { kind: 'postman-key', hint: /PMAK-/, pattern: /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b/g },
  { kind: 'newrelic-key', hint: /NR(?:AK|II)-/, pattern: /\bNR(?:AK|II)-[A-Z0-9]{27}\b/g },
  { kind: 'square-token', hint: /sq0/, pattern: /\bsq0(?:atp|csp)-[A-Za-z0-9_-]{22,}/g },
  { kind: 'mapbox-token', hint: /sk\.eyJ/, pattern: /\bsk\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/g },
  { kind: 'perplexity-key', hint: /pplx-|xai-|r8_|pul-/, pattern: /\b(?:pplx-[A-Za-z0-9]{40,}|xai-[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{37}|pul-[a-f0-9]{40})\b/g },
  { kind: 'terraform-token', hint: /atlasv1/, pattern: /\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{60,}/g },

  // Keys of chains.
  { kind: 'extended-private-key', hint: /prv/, pattern: new RegExp(String.raw`\b[xyztuv]prv${B58}{100,112}\b`, 'g') },
  // Bitcoin WIF: 5… (51 characters, uncompressed) or K…/L… (52, compressed); testnet 9…/c….
  { kind: 'bitcoin-wif', pattern: new RegExp(String.raw`(?<![1-9A-Za-z])(?:5[HJK]${B58}{49}|[KLc]${B58}{51})(?![1-9A-Za-z])`, 'g') },
  {
    // Solana keypair files and raw key bytes: a JSON array of 32 or more byte values.
    kind: 'key-bytes',
    hint: /\[\s*\d/,
    pattern: /\[\s*(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\s*,\s*){31,}(?:25[0-5]|2[0-4]\d|1?\d?\d)\s*\]/g,
  },
  { kind: 'key-bytes', hint: /<Buffer/, pattern: /<Buffer(?: [0-9a-f]{2}){32,}(?: \.\.\. \d+ more bytes)?>/g },

  // Labelled values: env variables, JSON keys, YAML, `key: value`.
  { kind: 'labelled', pattern: LABEL, replace: labelled },

  // 32-byte hex: a private key unless a label says it is a hash.
  { kind: 'private-key', pattern: /(?<![0-9a-zA-Z])(?:0x)?[0-9a-fA-F]{64}(?![0-9a-zA-Z])/g, replace: hexKey },
  // Long opaque tokens with no known prefix.
  { kind: 'secret', pattern: /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{40,}={0,2}(?![A-Za-z0-9+/=_-])/g, replace: opaqueToken },
];

/**
 * What could make any rule act, as one regex per set of flags: each rule's hint, or its pattern where it has none.
 * A text none of them matches passes every rule unchanged, so it skips the 70 tests one by one — most texts shown are
 * short and plain (a status table's 80 cells took a sixth of a millisecond per reply). The sources hold no
 * back-references, so joining them as alternatives keeps each one's meaning.
 */
const ANY_RULE: RegExp[] = (() => {
  const byFlags = new Map<string, string[]>();
  for (const rule of RULES) {
    const re = rule.hint ?? rule.pattern;
    const flags = re.flags.replace(/[gy]/g, '');
    byFlags.set(flags, [...(byFlags.get(flags) ?? []), `(?:${re.source})`]);
  }
  return [...byFlags].map(([flags, sources]) => new RegExp(sources.join('|'), flags));
})();

// A Set: the word list's own lookup decodes its compressed form on every call, and redaction runs on every reply.
const BIP39 = (() => {
  const list = LangEn.wordlist();
  return new Set(Array.from({ length: 2048 }, (_, i) => list.getWord(i)));
})();
const WORD = /[A-Za-z]+/g;
// What may stand between two words of a seed phrase: spaces, newlines, commas, quotes and brackets (JSON arrays),
// list numbering (`1. `, `2) `, `#3`) and bullets.
const SEED_GAP = /^(?:[\s,;"'`[\]{}()|*#>-]|\d{1,2}[.):]?)+$/;
const STRUCTURED_GAP = /\n|\d|"|'/;
const SEED_MIN = 12;
// One word a line, numbered, or quoted in a list: a seed phrase even when a tail cut off its first words.
const STRUCTURED_SEED_MIN = 8;

function isSeedWord(word: string): boolean {
  if (word.length < 3 || word.length > 8) return false;
  const lower = word.toLowerCase();
  // lower, UPPER or Capitalised — not camelCase identifiers.
  if (word !== lower && word !== word.toUpperCase() && word !== word[0] + lower.slice(1)) return false;
  return BIP39.has(lower);
}

/** Spans of seed phrases: runs of BIP-39 words, in any case, separated the ways people write them. */
function seedSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let start = -1;
  let end = -1;
  let count = 0;
  let structured = true;
  const flush = () => {
    if (count >= SEED_MIN || (count >= STRUCTURED_SEED_MIN && structured)) spans.push([start, end]);
    count = 0;
    structured = true;
  };
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m; m = WORD.exec(text)) {
    const word = m[0];
    const at = m.index;
    const seed = isSeedWord(word) && !/[0-9_]/.test(text[at + word.length] ?? '') && !/[0-9_]/.test(text[at - 1] ?? '');
    if (!seed) {
      flush();
      continue;
    }
    if (count > 0) {
      const gap = text.slice(end, at);
      if (gap.length > 12 || !SEED_GAP.test(gap)) flush();
      else if (!STRUCTURED_GAP.test(gap)) structured = false;
    }
    if (count === 0) start = at;
    count++;
    end = at + word.length;
  }
  flush();
  return spans;
}

const newlines = (text: string) => {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

/** Pads a replacement with marker lines so that the text keeps its line count (for logs read line by line). */
const keepingLines = (match: string, replacement: string, kind: string) => {
  const missing = newlines(match) - newlines(replacement);
  return missing > 0 ? replacement + `\n${mark(kind)}`.repeat(missing) : replacement;
};

function apply(text: string, keepLines: boolean): string {
  // Seed phrases first: a label rule would take only the first word of `MNEMONIC=word word …` and break the run.
  let out = text;
  const spans = seedSpans(out);
  for (let i = spans.length - 1; i >= 0; i--) {
    const [start, end] = spans[i]!;
    const replacement = keepLines ? keepingLines(out.slice(start, end), mark('mnemonic'), 'mnemonic') : mark('mnemonic');
    out = out.slice(0, start) + replacement + out.slice(end);
  }
  if (!ANY_RULE.some((re) => re.test(out))) return out;
  for (const rule of RULES) {
    if (rule.hint && !rule.hint.test(out)) continue;
    out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      // replace() passes the groups, then the offset, then the whole text (no named groups are used).
      const whole = rest.at(-1) as string;
      const offset = rest.at(-2) as number;
      const groups = rest.slice(0, -2) as string[];
      const replacement = rule.replace ? rule.replace(match, groups, offset, whole) : mark(rule.kind);
      return keepLines && replacement !== match ? keepingLines(match, replacement, rule.kind) : replacement;
    });
  }
  return out;
}

/** The text with every secret replaced by `[REDACTED kind]`; idempotent. */
export function redact(text: string): string {
  return apply(text, false);
}

/**
 * Lines redacted as one text — a key block or a seed phrase can span lines, and only the whole shows where it
 * begins — and returned as as many lines: a line of a secret that spans several becomes a marker line of its own.
 */
export function redactLines(lines: readonly string[]): string[] {
  if (lines.length === 0) return [];
  const out = apply(lines.join('\n'), true).split('\n');
  // Defensive: a rule that swallowed a newline without padding must not shift lines against their timestamps.
  if (out.length !== lines.length) return lines.map((line) => redact(line));
  return out;
}
