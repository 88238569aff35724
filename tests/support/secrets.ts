import { createHash } from 'node:crypto';

/**
 * A corpus of real-looking secrets (generated for these tests, valid nowhere) in the contexts they appear in logs,
 * tool output and errors — each with its source format and the part that must be gone — and harmless look-alikes
 * that must come out unchanged. Random parts come from a seeded generator, so every run sees the same corpus.
 */

export interface SecretSample {
  /** What the secret is (one kind can appear in several formats). */
  kind: string;
  /** Where text like this comes from: the program, file or protocol that prints it. */
  format: string;
  text: string;
  /** The part that must not survive, neither whole nor in pieces. */
  secret: string;
}

// mulberry32: small, seeded, good enough for test data.
let state = 0x5eed1e55;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const HEX = '0123456789abcdef';
const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
const hex = (n: number) => pick(HEX, n);
/** Mixed case and digits guaranteed, as real generated tokens nearly always are. */
const token = (alphabet: string, n: number) => {
  for (;;) {
    const t = pick(alphabet, n);
    if (/[A-Z]/.test(t) && /[a-z]/.test(t) && /\d/.test(t)) return t;
  }
};
const pemLines = (prefix: string, chars: number) => {
  const body = prefix + token(B64, chars - prefix.length);
  return body.match(/.{1,64}/g)!.join('\n');
};

function base58(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
/** Bitcoin Wallet Import Format, with its real checksum. */
function wif(keyHex: string, compressed: boolean): string {
  const payload = Buffer.concat([Buffer.from([0x80]), Buffer.from(keyHex, 'hex'), compressed ? Buffer.from([1]) : Buffer.alloc(0)]);
  return base58(Buffer.concat([payload, sha256(sha256(payload)).subarray(0, 4)]));
}

const PK = '7cbe7b285d386938e9ef9b2be485c1ba5d83ccc1f2fc4a8b455caad5b8c3f423';
const PK2 = hex(64);
const PK3 = hex(64);
const MNEMONIC = 'quality certain night glimpse budget you banner spin glare round test broken';
const MNEMONIC_15 = 'orbit camp absorb tribe rigid ocean vessel hungry fatal rhythm witness pulse moment exile arctic';
const MNEMONIC_18 = 'harbor velvet glove sketch fiction bundle trumpet noodle ranch lunar pepper cradle mirror oxygen hover dune salmon civil';
const MNEMONIC_21 = 'canoe dragon elbow fabric gossip hazard icon jaguar kiwi ladder magnet napkin olive panda quiz rabbit saddle table unveil velvet wagon';
const MNEMONIC_24 = 'success spoil book remain spin occur fault stem equip picture bonus angry mixed code east pencil foam lawn view twin raw delay region amazing';
export const DISCORD = 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.XwTLx7.p2XOl8qanfbn1rGe7CZwLeS6z3VV7bKhHtV2Sn';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Im9wcyIsImlhdCI6MTUxNjIzOTAyMn0.3Jj67uswzsjHdvt33jy6iDMfS4jvdWilzDmzmrlRCbS';
// {"alg":"none","typ":"JWT"} . {"sub":"admin","role":"operator","iat":1764662400} . (no signature)
const JWT_NONE = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"admin","role":"operator","iat":1764662400}').toString('base64url')}.`;
const AWS_SECRET = 'DsxxJ7ZITGKU/9IDyGtFIeYp9drqSOPsQwANVpwk';
const AWS_SECRET_2 = token(ALNUM, 40);
const AWS_SESSION = `IQoJb3JpZ2luX2VjE${token(B64, 300)}`;
const RSA_BODY = pemLines('MIIEowIBAAKCAQEA', 1588);
const RSA_TAIL = pemLines('', 640);
const PGP_BODY = `lQOYBG${token(B64, 700)}`.match(/.{1,64}/g)!.join('\n');
const SOLANA_KEYPAIR = `[${Array.from({ length: 64 }, () => Math.floor(random() * 256)).join(',')}]`;
const SOLANA_SECRET = base58(Buffer.from(hex(128), 'hex'));
const WIF_C = wif(PK2, true);
const WIF_U = wif(PK3, false);
const XPRV = `xprv9s21ZrQH143K${pick(B58, 95)}`;
const B64_PEM = Buffer.from(`-----BEGIN EC PRIVATE KEY-----\n${pemLines('MHcCAQEEI', 160)}\n-----END EC PRIVATE KEY-----\n`).toString('base64');
const B64_HEXKEY = Buffer.from(PK3, 'hex').toString('base64');
const B64_HEXKEY_TEXT = Buffer.from(`0x${PK2}`).toString('base64');
const GH = `ghp_${token(ALNUM, 36)}`;
const TG = `${5000000000 + Math.floor(random() * 999999999)}:AA${token(B64URL, 33)}`;
const AZURE_KEY = `${token(B64, 86)}==`;
const SLACK_HOOK = `T${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 8)}/B${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 10)}/${token(ALNUM, 24)}`;

const S = (kind: string, format: string, text: string, secret: string): SecretSample => ({ kind, format, text, secret });
/** A sample whose secret sits between two pieces of context. */
const T = (kind: string, format: string, before: string, secret: string, after = ''): SecretSample => ({ kind, format, text: `${before}${secret}${after}`, secret });

export const SECRET_CORPUS: SecretSample[] = [
  // EVM private keys
  S('evm-private-key', 'dotenv', `PRIVATE_KEY=0x${PK}`, PK),
  S('evm-private-key', 'log line (prose)', `loaded deployer key 0x${PK} from vault`, PK),
  S('evm-private-key', 'key=value log field', `signer=${PK}`, PK),
  S('evm-private-key', 'JSON', `{"privateKey":"${PK}","chain":1}`, PK),
  S('evm-private-key', 'ethers error / stack trace', `Error: invalid signer at Wallet (0x${PK2})`, PK2),
  S('evm-private-key', 'two keys on one log line', `a=0x${PK} b=0x${PK3}`, PK3),
  S('evm-private-key', 'YAML validator config', `validator_key: ${PK2}`, PK2),
  S('evm-private-key', 'TOML', `signing_key = "0x${PK3}"`, PK3),
  S('evm-private-key', 'JSON, hex after "secret"', `{"secret": "${PK2}", "network": "mainnet"}`, PK2),
  S('evm-private-key', 'dotenv, Flashbots auth key', `FLASHBOTS_AUTH_KEY=0x${PK3}`, PK3),
  S('evm-private-key', 'cast / foundry command line', `cast send --private-key 0x${PK2} 0x742d35Cc6634C0532925a3b844Bc454e4438f44e "ping()"`, PK2),
  // PEM and PGP
  S('pem-private-key', 'PEM (SEC1 EC key)', '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oa5M6L5bDJk1oAoGCCqGSM49\n-----END EC PRIVATE KEY-----', 'MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oa5M6L5bDJk1oAoGCCqGSM49'),
  S('pem-private-key', 'PEM (PKCS#1 RSA) after a YAML key', `key: -----BEGIN RSA PRIVATE KEY-----\n${RSA_BODY}\n-----END RSA PRIVATE KEY-----`, RSA_BODY),
  S('pem-private-key', 'PEM (OpenSSH)', `-----BEGIN OPENSSH PRIVATE KEY-----\n${pemLines('b3BlbnNzaC1rZXktdjEAAAAA', 400)}\n-----END OPENSSH PRIVATE KEY-----`, 'b3BlbnNzaC1rZXktdjEAAAAA'),
  S('pem-private-key', 'PEM (PKCS#8 encrypted)', `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${pemLines('MIIFHDBOBgkqhkiG9w0BBQ0wQTAp', 300)}\n-----END ENCRYPTED PRIVATE KEY-----`, 'MIIFHDBOBgkqhkiG9w0BBQ0wQTAp'),
  S('pem-private-key', 'GCP service-account JSON (escaped newlines)', `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\n${pemLines('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 200).replace(/\n/g, '\\n')}\\n-----END PRIVATE KEY-----\\n"}`, 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'),
  S('pem-private-key', 'PEM body, BEGIN line cut off by a log tail', `${RSA_TAIL}\n-----END RSA PRIVATE KEY-----`, RSA_TAIL),
  S('pem-private-key', 'PEM body, both header lines cut off', RSA_BODY.split('\n').slice(3, 12).join('\n'), RSA_BODY.split('\n').slice(3, 12).join('\n')),
  S('pgp-private-key', 'OpenPGP armour (gpg --export-secret-keys --armor)', `-----BEGIN PGP PRIVATE KEY BLOCK-----\nComment: ops signing key\n\n${PGP_BODY}\n=Xk2f\n-----END PGP PRIVATE KEY BLOCK-----`, PGP_BODY),
  T('age-secret-key', 'age-keygen output', '# created: 2026-11-30T10:00:00Z\n', `AGE-SECRET-KEY-1${pick('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`),
  // Seed phrases
  S('seed-phrase', 'YAML, quoted', `mnemonic: "${MNEMONIC}"`, MNEMONIC),
  S('seed-phrase', 'log line (prose)', `restored wallet from ${MNEMONIC}`, MNEMONIC),
  S('seed-phrase', 'one word per line (24)', MNEMONIC_24.split(' ').join('\n'), MNEMONIC_24.split(' ').join('\n')),
  S('seed-phrase', 'dotenv, quoted', `SEED_PHRASE="${MNEMONIC}"`, MNEMONIC),
  S('seed-phrase', 'dotenv, unquoted', `MNEMONIC=${MNEMONIC_15}`, MNEMONIC_15),
  S('seed-phrase', 'Capitalised (wallet backup screen)', MNEMONIC.replace(/\b\w/g, (c) => c.toUpperCase()), MNEMONIC.replace(/\b\w/g, (c) => c.toUpperCase())),
  S('seed-phrase', 'UPPER CASE (paper backup typed in)', MNEMONIC_18.toUpperCase(), MNEMONIC_18.toUpperCase()),
  S('seed-phrase', 'numbered list "1. word"', MNEMONIC_24.split(' ').map((w, i) => `${i + 1}. ${w}`).join('\n'), MNEMONIC_24.split(' ').map((w, i) => `${i + 1}. ${w}`).join('\n')),
  S('seed-phrase', 'numbered on one line "1) word 2) word"', MNEMONIC_21.split(' ').map((w, i) => `${i + 1}) ${w}`).join(' '), MNEMONIC_21.split(' ').map((w, i) => `${i + 1}) ${w}`).join(' ')),
  S('seed-phrase', 'JSON array', `{"words": ${JSON.stringify(MNEMONIC_15.split(' '))}}`, JSON.stringify(MNEMONIC_15.split(' '))),
  S('seed-phrase', 'comma-separated', MNEMONIC_18.split(' ').join(', '), MNEMONIC_18.split(' ').join(', ')),
  S('seed-phrase', 'tail of a one-word-a-line phrase (last 9 words)', MNEMONIC_24.split(' ').slice(15).join('\n'), MNEMONIC_24.split(' ').slice(15).join('\n')),
  S('seed-phrase', 'numbered, Capitalised, in a log line', `backup: ${MNEMONIC_21.split(' ').map((w, i) => `${i + 1}.${w[0]!.toUpperCase()}${w.slice(1)}`).join(' ')}`, MNEMONIC_21.split(' ').slice(3, 9).map((w) => `${w[0]!.toUpperCase()}${w.slice(1)}`).join(' ')),
  // Chain keys in other encodings
  S('solana-keypair', 'solana-keygen JSON file', SOLANA_KEYPAIR, SOLANA_KEYPAIR.slice(1, -1)),
  S('solana-keypair', 'JSON field, spaced', `{"secretKey": [${SOLANA_KEYPAIR.slice(1, -1).split(',').join(', ')}]}`, SOLANA_KEYPAIR.slice(1, -1).split(',').join(', ')),
  S('key-bytes', 'Node.js Buffer inspect', `key <Buffer ${Buffer.from(PK, 'hex').toString('hex').match(/../g)!.join(' ')}>`, Buffer.from(PK, 'hex').toString('hex').match(/../g)!.join(' ')),
  S('solana-secret-key', 'base58 (Phantom export)', `imported ${SOLANA_SECRET}`, SOLANA_SECRET),
  S('bitcoin-wif', 'WIF, compressed (bitcoin-cli dumpprivkey)', WIF_C, WIF_C),
  S('bitcoin-wif', 'WIF, uncompressed, labelled', `wif: ${WIF_U}`, WIF_U),
  S('bitcoin-wif', 'WIF in prose', `imported ${WIF_U} into the hot wallet`, WIF_U),
  S('extended-private-key', 'BIP32 xprv', `account xprv: ${XPRV}`, XPRV),
  S('extended-private-key', 'BIP32 xprv bare', `derived from ${XPRV}/0/1`, XPRV),
  S('base64-wrapped-key', 'base64 of a PEM file (Kubernetes secret data)', `  tls.key: ${B64_PEM}`, B64_PEM),
  S('base64-wrapped-key', 'base64 of a raw key, bare', `key material ${B64_HEXKEY} loaded`, B64_HEXKEY),
  S('base64-wrapped-key', 'base64 of a hex key string', `echo ${B64_HEXKEY_TEXT} | base64 -d`, B64_HEXKEY_TEXT),
  // Tokens and sessions
  S('jwt', 'Authorization header', `Authorization: Bearer ${JWT}`, JWT),
  S('jwt', 'cookie-style field', `session=${JWT}`, JWT),
  S('jwt', 'alg:none JWT in a URL', `GET /admin?jwt=${JWT_NONE} 200`, JWT_NONE.slice(0, -1)),
  S('jwt', 'alg:none JWT bare', `forged token ${JWT_NONE} accepted`, JWT_NONE.slice(0, -1)),
  S('basic-auth', 'HTTP header', 'Authorization: Basic b3BzOmNvcnJlY3QtaG9yc2UtYmF0dGVyeQ==', 'b3BzOmNvcnJlY3QtaG9yc2UtYmF0dGVyeQ'),
  S('bearer-token', 'curl -H', 'curl -H "Authorization: Bearer 3f9a1c7e5b2d8f4a6c0e" https://api.local', '3f9a1c7e5b2d8f4a6c0e'),
  S('bearer-token', 'lower-case bearer (HTTP client debug log)', 'headers: { authorization: "bearer 9dK2mQ7xLp4vR8sT1wZ6" }', '9dK2mQ7xLp4vR8sT1wZ6'),
  S('bearer-token', 'lower-case bearer in prose', 'retrying with bearer Zq81mNc0Lr55sTk29XyWv4 after 401', 'Zq81mNc0Lr55sTk29XyWv4'),
  S('bearer-token', 'Proxy-Authorization header', 'Proxy-Authorization: Basic dXNlcjpwcm94eS1wYXNzLTQy', 'dXNlcjpwcm94eS1wYXNzLTQy'),
  S('session-cookie', 'Set-Cookie header', 'Set-Cookie: sid=s%3Ak9Jd82Hs7Qm1.Xb4Tz; Path=/; HttpOnly', 's%3Ak9Jd82Hs7Qm1.Xb4Tz'),
  S('session-token', 'dotenv', 'SESSION_TOKEN="Fw0gZXlKaGJHY2lPaUpJVXpJ"', 'Fw0gZXlKaGJHY2lPaUpJVXpJ'),
  // Passwords
  S('url-password', 'PostgreSQL URL', 'connecting to postgres://admin:S3cr3t!pw@db.internal:5432/app', 'S3cr3t!pw'),
  S('url-password', 'Redis URL, no user', 'redis error at redis://:hunter22@127.0.0.1:6379/0', 'hunter22'),
  S('url-password', 'HTTPS URL, percent-encoded', 'fetch https://ops:Tr0ub4dor%263@rpc.example.org/ failed', 'Tr0ub4dor%263'),
  S('url-password', 'URL, password with @', 'DATABASE_URL=postgresql://app:p@ss@w0rd@10.0.0.5:5432/prod', 'p@ss@w0rd'),
  S('url-password', 'URL, password with /', 'amqp://guest:g/u3st/pw9@127.0.0.1:5672/vhost unreachable', 'g/u3st/pw9'),
  S('url-password', 'MongoDB SRV URL', 'mongodb+srv://svc:Xk29dLq0vB@cluster0.abcde.mongodb.net/?retryWrites=true', 'Xk29dLq0vB'),
  S('url-password', 'MySQL JDBC URL', 'jdbc:mysql://root:r00tPa55@127.0.0.1:3306/fleet', 'r00tPa55'),
  S('password', 'key=value', 'password=hunter2', 'hunter2'),
  S('password', 'JSON with spaces', '{"password": "correct horse battery staple"}', 'correct horse battery staple'),
  S('password', 'YAML', 'db_password: "p@ss w0rd!"', 'p@ss w0rd!'),
  S('password', 'PGPASSWORD env', 'PGPASSWORD=Vq7!mZ2#rT psql -h 127.0.0.1', 'Vq7!mZ2#rT'),
  S('password', 'keystore passphrase', 'keystore passphrase: blue-Otter-42-sings', 'blue-Otter-42-sings'),
  S('password', 'credentials pair', 'credentials=ops:9d8f7e6c5b4a', 'ops:9d8f7e6c5b4a'),
  S('cli-password', '--password X', 'docker login --username ops --password Zx8!kq2Lm registry.local', 'Zx8!kq2Lm'),
  S('cli-password', '--password=X', 'pg_dump --password="Wq9#vB2$nM" app', 'Wq9#vB2$nM'),
  S('cli-password', '--token X', 'vault login --token s.Abc123Def456Ghi789', 's.Abc123Def456Ghi789'),
  S('cli-password', 'mysql -pX', 'mysql -u root -pMyS3cretPw -h 127.0.0.1 fleet', 'MyS3cretPw'),
  S('cli-password', 'redis-cli -a X', 'redis-cli -h 127.0.0.1 -a Rds!pass77 ping', 'Rds!pass77'),
  S('redis-auth', 'redis AUTH command', 'AUTH Rd5-s3cret-pw', 'Rd5-s3cret-pw'),
  S('redis-auth', 'redis AUTH user password (ACL)', '> AUTH fleetbot Kp3#aa91zQ', 'Kp3#aa91zQ'),
  S('redis-auth', 'redis MONITOR output', '1764662400.123456 [0 127.0.0.1:52144] "AUTH" "m0n1t0red-pw"', 'm0n1t0red-pw'),
  S('redis-auth', 'redis.conf requirepass', 'requirepass Str0ngRedisPw99', 'Str0ngRedisPw99'),
  S('azure-storage-key', 'Azure storage connection string', `DefaultEndpointsProtocol=https;AccountName=fleetlogs;AccountKey=${AZURE_KEY};EndpointSuffix=core.windows.net`, AZURE_KEY),
  T('azure-sas-key', 'Azure Service Bus connection string', 'Endpoint=sb://fleet.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=', `${token(B64, 43)}=`),
  S('odbc-password', 'ODBC / ADO.NET connection string', 'Server=127.0.0.1;Database=fleet;User Id=sa;Password=Adm1n!2026;', 'Adm1n!2026'),
  // Vendor tokens
  S('openai-key', 'dotenv', 'OPENAI_API_KEY=sk-proj-NN1GmJjcLhHMqGToJPdnQ6PJgbj6TDxQXrnsTdlTEVwam3h4', 'NN1GmJjcLhHMqGToJPdnQ6PJgbj6TDxQXrnsTdlTEVwam3h4'),
  S('openai-key', 'OpenAI API error message', 'Incorrect API key provided: sk-9qpgPAP7CdHAmUcrTKdpguVJFx73BPgQ62xJmaNivxQyNtuP.', '9qpgPAP7CdHAmUcrTKdpguVJFx73BPgQ62xJmaNivxQyNtuP'),
  S('anthropic-key', 'log line', 'using sk-ant-api03-MapVzKLDH2feqoJVRSQMFmX0vx0Z3INh75BaeNca0O2-FPA2bwctqVMjDO51KrT0abCbJZRrQ61zt_WS', 'MapVzKLDH2feqoJVRSQMFmX0vx0Z3INh75BaeNca0O2'),
  S('github-token', 'git remote URL', `git clone https://${GH}@github.com/acme/ops`, GH),
  S('github-token', 'fine-grained PAT', 'GH_TOKEN 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', 'Kme0PNZ5mTjLGMZKgdjtMP'),
  T('github-token', 'GitHub Actions installation token in a URL', 'https://x-access-token:', `ghs_${token(ALNUM, 36)}`, '@github.com/acme/ops.git'),
  S('gitlab-token', 'log line', 'CI token glpat-08ujb0tIQ1orOgnZAi12 expired', '08ujb0tIQ1orOgnZAi12'),
  T('gitlab-token', 'runner registration token', 'gitlab-runner register --registration-token ', `GR1348941${token(ALNUM, 20)}`),
  S('npm-token', '.npmrc', '//registry.npmjs.org/:_authToken=npm_Afia3HjYaCuudj2QGyzeKUiC3A8RtIGyKCzs', 'Afia3HjYaCuudj2QGyzeKUiC3A8RtIGyKCzs'),
  S('npm-token', '.npmrc legacy _auth', `_auth = ${Buffer.from('ops:npm-pass-2026').toString('base64')}`, Buffer.from('ops:npm-pass-2026').toString('base64')),
  S('stripe-key', 'error message', 'charge failed with key sk_live_DZFQLANGSRCGSkeoeLTlirU0', 'DZFQLANGSRCGSkeoeLTlirU0'),
  T('stripe-key', 'restricted key, dotenv', 'STRIPE_KEY=', `rk_test_${token(ALNUM, 32)}`),
  S('stripe-webhook-secret', 'JSON', '{"webhookSecret":"whsec_5f8e2a9c7b3d1e4f6a8b0c2d"}', 'whsec_5f8e2a9c7b3d1e4f6a8b0c2d'),
  S('slack-token', 'bot token', 'slack: xoxb-557374161433-3736168251595-p6BhYZEePBqBczTbZ4GHxGGx', 'p6BhYZEePBqBczTbZ4GHxGGx'),
  T('slack-token', 'app-level token, dotenv', 'SLACK_APP_TOKEN=', `xapp-1-A0${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 9)}-${pick('0123456789', 13)}-${hex(64)}`),
  S('slack-webhook', 'incoming webhook URL', `POST https://hooks.slack.com/services/${SLACK_HOOK} 200`, SLACK_HOOK),
  S('discord-token', 'dotenv', `DISCORD_TOKEN=${DISCORD}`, DISCORD),
  S('discord-token', 'discord.js login error', `login with ${DISCORD} failed`, DISCORD),
  S('discord-token', 'Authorization: Bot header', `Authorization: Bot ${DISCORD}`, DISCORD),
  S('discord-webhook', 'webhook URL', 'posting to https://discord.com/api/webhooks/123456789012345678/UZoT_thg7RNTnUEOQhsbZdEWWRP39je8JuR8xkUJHCXnktMLcPePoWZHxQp78xBdXPGg', 'UZoT_thg7RNTnUEOQhsbZdEWWRP39je8JuR8xkUJHCXnktMLcPePoWZHxQp78xBdXPGg'),
  S('aws-access-key', 'AWS credentials file', 'aws_access_key_id = AKIAM37SI5WZO5S4NX66', 'AKIAM37SI5WZO5S4NX66'),
  S('aws-secret-key', 'AWS credentials file', `aws_secret_access_key = ${AWS_SECRET}`, AWS_SECRET),
  S('aws-secret-key', 'bare, after the key id (aws configure list)', `AKIAQX7ZP3LM2N4B5C6D ${AWS_SECRET}`, AWS_SECRET),
  S('aws-secret-key', 'bare, CSV credentials export', `ops,AKIAZZ3T5Q1W8E7R6T5Y,${AWS_SECRET_2}`, AWS_SECRET_2),
  S('aws-session-token', 'bare STS session token', `session ${AWS_SESSION}`, AWS_SESSION.slice(0, 60)),
  S('aws-session-token', 'env', `AWS_SESSION_TOKEN=${AWS_SESSION}`, AWS_SESSION.slice(100, 160)),
  S('google-api-key', 'query string', 'maps=AIzaBVLgXvwup0FSCF7PW7yPTnkdLh1_4ajjfv2', 'BVLgXvwup0FSCF7PW7yPTnkdLh1_4ajjfv2'),
  T('google-oauth-secret', 'client_secret.json', '{"installed":{"client_id":"1234-abc.apps.googleusercontent.com","client_secret":"', `GOCSPX-${token(B64URL, 28)}`, '"}}'),
  T('google-oauth-secret', 'bare, in prose', 'rotated to ', `GOCSPX-${token(ALNUM, 28)}`, ' today'),
  S('google-oauth-token', 'query access_token', 'redirect to /callback?state=x&access_token=ya29.a0AfH6SMBx3k9LmQz', 'ya29.a0AfH6SMBx3k9LmQz'),
  S('sendgrid-key', 'log line', 'mail: 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', 'YtadmaPga8d06hdGvHCwicBvlMuOpEdAcyli5LQvxur'),
  T('huggingface-token', 'huggingface-cli login output', 'Token ', `hf_${token(ALNUM, 34)}`, ' has been saved'),
  S('telegram-bot-token', 'Bot API URL', `https://api.telegram.org/bot${TG}/sendMessage`, TG.split(':')[1]!),
  S('telegram-bot-token', 'dotenv', `TELEGRAM_BOT=${TG}`, TG.split(':')[1]!),
  T('twilio-key', 'API key SID, twilio CLI', 'twilio api key ', `SK${hex(32)}`, ' created'),
  T('twilio-key', 'auth token, dotenv', 'TWILIO_AUTH_TOKEN=', hex(32)),
  S('rpc-key', 'Infura URL', 'RPC_URL=https://mainnet.infura.io/v3/5921b106850737afb735f62216dca21b', '5921b106850737afb735f62216dca21b'),
  S('rpc-key', 'Alchemy URL in an ethers error', 'request to https://eth-mainnet.g.alchemy.com/v2/lwrgdeKmxQykoCOnyCwOQJi3Ys85MrDF failed', 'lwrgdeKmxQykoCOnyCwOQJi3Ys85MrDF'),
  S('api-key', 'HTTP header', 'X-API-Key: 8f14e45fceea167a5a36dedd4bea2543', '8f14e45fceea167a5a36dedd4bea2543'),
  S('api-key', 'query string (Etherscan)', 'GET https://api.etherscan.io/api?module=account&apikey=YQ9P4XK2M7T1R8Z3B6N5C0V4 200', 'YQ9P4XK2M7T1R8Z3B6N5C0V4'),
  S('oauth-client-secret', 'form body', 'client_secret=Qw8~zT5.rY2-uI9_oP3xL7vB1nM4', 'Qw8~zT5.rY2-uI9_oP3xL7vB1nM4'),
  T('mailgun-key', 'log line', 'mailgun ', `key-${hex(32)}`, ' rejected'),
  T('shopify-token', 'dotenv', 'SHOPIFY=', `shpat_${hex(32)}`),
  T('vault-token', 'vault token lookup', 'id  ', `hvs.${token(B64URL, 90)}`),
  T('vercel-token', 'vercel CLI', 'vercel deploy --token=', `vcp_${token(ALNUM, 24)}`),
  T('databricks-token', 'log line', 'databricks host ok, using ', `dapi${hex(32)}`),
  T('docker-token', 'shell history', 'echo ', `dckr_pat_${token(ALNUM, 27)}`, ' | docker login -u ops --password-stdin'),
  T('figma-token', 'log line', 'figma: ', `figd_${token(B64URL, 40)}`),
  T('linear-key', 'log line', 'linear ', `lin_api_${token(ALNUM, 40)}`),
  T('notion-token', 'log line', 'notion ', `ntn_${pick('0123456789', 11)}${token(ALNUM, 35)}`),
  T('cloudflare-token', 'log line', 'cloudflare ', `cfut_${token(ALNUM, 40)}${hex(8)}`),
  T('tailscale-key', 'tailscale up', 'tailscale up --authkey=', `tskey-auth-${token(ALNUM, 12)}-${token(ALNUM, 30)}`),
  T('grafana-token', 'service account token', 'grafana ', `glsa_${token(ALNUM, 32)}_${hex(8)}`),
  T('1password-token', 'service account token', 'op: ', `ops_eyJ${token(B64, 120)}fQ==`),
  T('digitalocean-token', 'doctl', 'doctl auth init -t ', `dop_v1_${hex(64)}`),
  T('pypi-token', 'twine upload', 'twine upload -u __token__ -p ', `pypi-AgEIcHlwaS5vcmc${token(B64URL, 60)}`),
  T('doppler-token', 'log line', 'doppler ', `dp.st.prd.${token(ALNUM, 43)}`),
  T('postman-key', 'log line', 'postman ', `PMAK-${hex(24)}-${hex(34)}`),
  T('newrelic-key', 'log line', 'newrelic ', `NRAK-${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 27)}`),
  T('square-token', 'log line', 'square ', `sq0atp-${token(B64URL, 22)}`),
  T('mapbox-token', 'log line', 'mapbox ', `sk.eyJ${token(B64URL, 40)}.${token(B64URL, 22)}`),
  T('groq-key', 'dotenv', 'GROQ=', `gsk_${token(ALNUM, 52)}`),
  T('xai-key', 'log line', 'grok ', `xai-${token(ALNUM, 80)}`),
  T('terraform-token', 'credentials.tfrc.json', '{"token": "', `${token(ALNUM, 14)}.atlasv1.${token(B64URL, 67)}`, '"}'),
  S('generic-secret', 'JSON webhook secret', '{"signingSecret":"a8Fk29Xq0LmZ7vB3nT5wQ1sR"}', 'a8Fk29Xq0LmZ7vB3nT5wQ1sR'),
];

/** The corpus as `[kind, text, secret]`, for tests that only need the text and the part that must go. */
export const SECRETS: [kind: string, text: string, secret: string][] = SECRET_CORPUS.map((s) => [s.kind, s.text, s.secret]);

export interface LookAlike {
  /** What it is and where it comes from. */
  format: string;
  text: string;
}

const L = (format: string, text: string): LookAlike => ({ format, text });

/** Text that looks like a secret to a careless rule and must come out of redaction unchanged. */
export const LOOK_ALIKES: LookAlike[] = [
  L('tx hash in a log line', 'tx 0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b confirmed in block 19000000'),
  L('block hash, ethers receipt', 'blockHash: 0x4e3a3754410177e6937ef1f84bba68ea139e8d1a2258c5f85db9f1cd715a1bdd'),
  L('transaction hash, JSON-RPC receipt', '{"transactionHash":"0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060","status":"0x1"}'),
  L('parent hash and state root, block header', 'parentHash=0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3 stateRoot=0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544'),
  L('event topic, log filter', 'topic[0]=0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'),
  L('tx hash with "txid" label (bitcoin-cli)', 'txid: 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b'),
  L('docker image digest', 'image sha256:9b2f0c5a7d3e1f4b6a8c0e2d4f6a8b0c2e4d6f8a0b2c4e6d8f0a2b4c6e8d0f2a pulled'),
  L('npm integrity hash (package-lock.json)', '"integrity": "sha512-8Tn1aJh9S3sSmVq7kX0mQbQ8oWv8w8nQ2mW8kUqL1tXv0sJ7cR6yQ9ZfV3pN2mB4xK5dH7gE1aC3bF9jL0oP6Q=="'),
  L('0x address (EIP-55)', 'sending 1.5 ETH to 0x742d35Cc6634C0532925a3b844Bc454e4438f44e'),
  L('0x address, lower case, JSON', '{"to":"0x000000000022d473030f116ddee9f6b43ac78ba3","value":"0x0"}'),
  L('git SHA, deploy log', 'deployed at commit 3f2c1e9b7a6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b'),
  L('git SHA, labelled sha', 'sha: 4b825dc642cb6eb9a060e54bf8d69288fbee4904 (empty tree)'),
  L('git log --oneline', '3f2c1e9 scanner: read reserves in one batch'),
  L('UUID request id', 'request 550e8400-e29b-41d4-a716-446655440000 finished'),
  L('UUID in JSON', '{"jobId":"f47ac10b-58cc-4372-a567-0e02b2c3d479","state":"completed"}'),
  L('ISO timestamp and URL, fleetbot log line', '2026-11-21T06:28:11.619Z INFO  mcp-monitoring: mcp server listening url=http://127.0.0.1:46807/mcp'),
  L('numbers: gas, block, chain id', 'gas price 12.5 gwei, block 19283746, chain id 1'),
  L('big integers (uint256 max, wei)', 'allowance 115792089237316195423570985008687907853269984665640564039457584007913129639935 wei, balance 1000000000000000000'),
  L('token counts from a model server', 'max_tokens: 512, tokens=5, token count: 1234, prompt_tokens=1200'),
  L('prose about passwords', 'password reset email sent to ops@example.com'),
  L('prose with "secret"', 'the secret to calm on-call is boring infrastructure'),
  L('URL with query page', 'GET https://example.com/docs?page=2&sort=asc'),
  L('URLs without passwords', 'connected to redis://127.0.0.1:6379 and postgres://app@localhost/db'),
  L('URL with port, path and an @ in the path', 'GET http://127.0.0.1:8080/users/ops@example.com 404'),
  L('prose with "bearer"', 'bearer of bad news: the price feed is down'),
  L('prose with "Bearer" and "token"', 'Bearer authentication failed: token expired, sign in again'),
  L('a chat question', 'please check the status of the price feed and restart it if needed'),
  L('English with BIP-39 words', 'The team will review the budget and the risk report, then decide whether to scale the bridge or wait for the next audit.'),
  L('English with many BIP-39 words', 'Please check again: alpha flash loan found a profit above the minimum, but gas was too high, so nothing ran.'),
  L('a few BIP-39 words in a list', 'word list: abandon ability able about above absent'),
  L('restart notice', 'restarted price-feed in 0.9 s — healthy (restarts: 3)'),
  L('prose with "key"', 'key rotation scheduled for tomorrow'),
  L('placeholder values', 'api_key: (not set), password: "", secret: ${WEBHOOK_SECRET}, token: <your token>'),
  L('cache and routing keys', 'cache_key: users:profile:12345 routing_key=ops.restart'),
  L('redis error without a password', 'NOAUTH Authentication required.'),
  L('docker run ports', 'docker run -p 8080:80 -p 9090:9090 fleetbot/ops:latest'),
  L('test summary', 'Tests: 212 passed, 0 failed; pass: 212 fail: 0; seed=42'),
  L('bitcoin addresses', 'paid to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa and bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'),
  L('a labelled Solana address', 'mint address: So11111111111111111111111111111111111111112 owner: 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM'),
  L('short array of numbers', 'retry delays [100, 200, 400, 800, 1600] ms; levels [1, 2, 3, 5, 8, 13, 21]'),
  L('file path in a stack trace', 'at Object.run (/home/runner/work/fleetbot/fleetbot/node_modules/@langchain/openai/dist/chat_models.js:123:45)'),
  L('Prometheus sample', 'fleetbot_jobs_total{queue="ops",status="completed"} 1234 1764662400000'),
  L('ETag header', 'ETag: "33a64df551425fcc55e4d42a148795d9f25f89d4"'),
  L('base64 of plain words', 'payload aGVsbG8gd29ybGQ= decoded'),
  L('working directory', 'PWD=/home/ops/fleetbot SHELL=/bin/bash'),
];

export const HARMLESS: string[] = LOOK_ALIKES.map((l) => l.text);

/** Pieces of `secret` that `shown` still shows: any 12-character window, or any three words in a row of a seed. */
export function fragmentsShown(secret: string, shown: string): string[] {
  const words = secret.split(/[^A-Za-z]+/).filter(Boolean);
  if (words.length >= 8 && words.every((w) => /^[A-Za-z]{3,8}$/.test(w))) {
    const flat = ` ${shown.toLowerCase().replace(/[^a-z]+/g, ' ')} `;
    return words.slice(0, -2).map((_, i) => words.slice(i, i + 3).join(' ').toLowerCase()).filter((run) => flat.includes(` ${run} `));
  }
  const out: string[] = [];
  for (let i = 0; i + 12 <= secret.length; i++) if (shown.includes(secret.slice(i, i + 12))) out.push(secret.slice(i, i + 12));
  return out;
}
