import { describe, expect, it } from 'vitest';
import { redact } from '../../../security/redact.js';

// Real-looking secrets (generated for this test, valid nowhere) in the contexts they appear in logs and tool output.
const PK = '7cbe7b285d386938e9ef9b2be485c1ba5d83ccc1f2fc4a8b455caad5b8c3f423';
const MNEMONIC = 'quality certain night glimpse budget you banner spin glare round test broken';
const MNEMONIC_24 = 'success spoil book remain spin occur fault stem equip picture bonus angry mixed code east pencil foam lawn view twin raw delay region amazing';
const DISCORD = 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.XwTLx7.p2XOl8qanfbn1rGe7CZwLeS6z3VV7bKhHtV2Sn';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Im9wcyIsImlhdCI6MTUxNjIzOTAyMn0.3Jj67uswzsjHdvt33jy6iDMfS4jvdWilzDmzmrlRCbS';

const SECRETS: [kind: string, text: string, secret: string][] = [
  ['0x private key in env', `PRIVATE_KEY=0x${PK}`, PK],
  ['bare private key', `loaded deployer key 0x${PK} from vault`, PK],
  ['private key without 0x', `signer=${PK}`, PK],
  ['private key in JSON', `{"privateKey":"${PK}","chain":1}`, PK],
  ['PEM key', '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oa5M6L5bDJk1oAoGCCqGSM49\n-----END EC PRIVATE KEY-----', 'MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oa5M6L5bDJk1oAoGCCqGSM49'],
  ['RSA PEM key', 'key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\n-----END RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw'],
  ['mnemonic, labelled', `mnemonic: "${MNEMONIC}"`, 'glimpse budget you banner'],
  ['mnemonic, bare', `restored wallet from ${MNEMONIC}`, 'glimpse budget you banner'],
  ['24-word mnemonic over lines', MNEMONIC_24.split(' ').join('\n'), 'fault\nstem\nequip'],
  ['bearer JWT header', `Authorization: Bearer ${JWT}`, JWT.slice(40)],
  ['bare JWT', `session=${JWT}`, JWT.slice(40)],
  ['basic auth header', 'Authorization: Basic b3BzOmNvcnJlY3QtaG9yc2UtYmF0dGVyeQ==', 'b3BzOmNvcnJlY3QtaG9yc2UtYmF0dGVyeQ'],
  ['OpenAI project key', 'OPENAI_API_KEY=sk-proj-NN1GmJjcLhHMqGToJPdnQ6PJgbj6TDxQXrnsTdlTEVwam3h4', 'NN1GmJjcLhHMqGToJPdnQ6PJgbj6TDxQXrnsTdlTEVwam3h4'],
  ['OpenAI key in error', 'Incorrect API key provided: sk-9qpgPAP7CdHAmUcrTKdpguVJFx73BPgQ62xJmaNivxQyNtuP.', '9qpgPAP7CdHAmUcrTKdpguVJFx73BPgQ62xJmaNivxQyNtuP'],
  ['Anthropic key', 'using sk-ant-api03-MapVzKLDH2feqoJVRSQMFmX0vx0Z3INh75BaeNca0O2-FPA2bwctqVMjDO51KrT0abCbJZRrQ61zt_WS', 'MapVzKLDH2feqoJVRSQMFmX0vx0Z3INh75BaeNca0O2'],
  ['GitHub token', 'git clone https://ghp_ItvJBaOAFle43biif2bXG7JBi97on3hzON8G@github.com/acme/ops', 'ItvJBaOAFle43biif2bXG7JBi97on3hzON8G'],
  ['GitHub fine-grained PAT', 'GH_TOKEN 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', 'Kme0PNZ5mTjLGMZKgdjtMP'],
  ['AWS access key id', 'aws_access_key_id = AKIAM37SI5WZO5S4NX66', 'AKIAM37SI5WZO5S4NX66'],
  ['AWS secret key', 'aws_secret_access_key = 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', 'DsxxJ7ZITGKU/9IDyGtFIeYp9drqSOPsQwANVpwk'],
  ['Slack bot token', 'slack: xoxb-557374161433-3736168251595-p6BhYZEePBqBczTbZ4GHxGGx', 'p6BhYZEePBqBczTbZ4GHxGGx'],
  ['Stripe live key', 'charge failed with key sk_live_DZFQLANGSRCGSkeoeLTlirU0', 'DZFQLANGSRCGSkeoeLTlirU0'],
  ['Google API key', 'maps=AIzaBVLgXvwup0FSCF7PW7yPTnkdLh1_4ajjfv2', 'BVLgXvwup0FSCF7PW7yPTnkdLh1_4ajjfv2'],
  ['npm token', '//registry.npmjs.org/:_authToken=npm_Afia3HjYaCuudj2QGyzeKUiC3A8RtIGyKCzs', 'Afia3HjYaCuudj2QGyzeKUiC3A8RtIGyKCzs'],
  ['GitLab token', 'CI token glpat-08ujb0tIQ1orOgnZAi12 expired', '08ujb0tIQ1orOgnZAi12'],
  ['SendGrid key', 'mail: 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', 'YtadmaPga8d06hdGvHCwicBvlMuOpEdAcyli5LQvxur'],
  ['Discord token in env', `DISCORD_TOKEN=${DISCORD}`, DISCORD.split('.')[2]!],
  ['Discord token bare', `login with ${DISCORD} failed`, DISCORD.split('.')[2]!],
  ['Discord bot auth header', `Authorization: Bot ${DISCORD}`, DISCORD.split('.')[2]!],
  ['Discord webhook', 'posting to https://discord.com/api/webhooks/123456789012345678/UZoT_thg7RNTnUEOQhsbZdEWWRP39je8JuR8xkUJHCXnktMLcPePoWZHxQp78xBdXPGg', 'UZoT_thg7RNTnUEOQhsbZdEWWRP39je8JuR8xkUJHCXnktMLcPePoWZHxQp78xBdXPGg'],
  ['Infura URL', 'RPC_URL=https://mainnet.infura.io/v3/5921b106850737afb735f62216dca21b', '5921b106850737afb735f62216dca21b'],
  ['Alchemy URL in error', 'request to https://eth-mainnet.g.alchemy.com/v2/lwrgdeKmxQykoCOnyCwOQJi3Ys85MrDF failed', 'lwrgdeKmxQykoCOnyCwOQJi3Ys85MrDF'],
  ['password in postgres URL', 'connecting to postgres://admin:S3cr3t!pw@db.internal:5432/app', 'S3cr3t!pw'],
  ['password in redis URL', 'redis error at redis://:hunter22@127.0.0.1:6379/0', 'hunter22'],
  ['password in https URL', 'fetch https://ops:Tr0ub4dor%263@rpc.example.org/ failed', 'Tr0ub4dor%263'],
  ['short password', 'password=hunter2', 'hunter2'],
  ['quoted password with spaces', '{"password": "correct horse battery staple"}', 'correct horse battery staple'],
  ['password in YAML', 'db_password: "p@ss w0rd!"', 'p@ss w0rd!'],
  ['api key header', 'X-API-Key: 8f14e45fceea167a5a36dedd4bea2543', '8f14e45fceea167a5a36dedd4bea2543'],
  ['api key in query', 'GET https://api.etherscan.io/api?module=account&apikey=YQ9P4XK2M7T1R8Z3B6N5C0V4 200', 'YQ9P4XK2M7T1R8Z3B6N5C0V4'],
  ['token in query', 'redirect to /callback?state=x&access_token=ya29.a0AfH6SMBx3k9LmQz', 'ya29.a0AfH6SMBx3k9LmQz'],
  ['client secret', 'client_secret=Qw8~zT5.rY2-uI9_oP3xL7vB1nM4', 'Qw8~zT5.rY2-uI9_oP3xL7vB1nM4'],
  ['secret in JSON', '{"webhookSecret":"whsec_5f8e2a9c7b3d1e4f6a8b0c2d"}', 'whsec_5f8e2a9c7b3d1e4f6a8b0c2d'],
  ['session token', 'SESSION_TOKEN="Fw0gZXlKaGJHY2lPaUpJVXpJ"', 'Fw0gZXlKaGJHY2lPaUpJVXpJ'],
  ['auth key', 'FLASHBOTS_AUTH_KEY=0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318', '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'],
  ['passphrase', 'keystore passphrase: blue-Otter-42-sings', 'blue-Otter-42-sings'],
  ['credentials', 'credentials=ops:9d8f7e6c5b4a', 'ops:9d8f7e6c5b4a'],
  ['private key in stack trace', 'Error: invalid signer at Wallet (0x2f3a45be0c1d8e9f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f)', '2f3a45be0c1d8e9f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f'],
  ['two keys in one line', `a=0x${PK} b=0x${'1'.repeat(63)}f`, '1'.repeat(63)],
  ['seed phrase env', `SEED_PHRASE="${MNEMONIC}"`, 'night glimpse'],
  ['bearer with opaque token', 'curl -H "Authorization: Bearer 3f9a1c7e5b2d8f4a6c0e" https://api.local', '3f9a1c7e5b2d8f4a6c0e'],
];

const HARMLESS = [
  'tx 0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b confirmed in block 19000000',
  'blockHash: 0x4e3a3754410177e6937ef1f84bba68ea139e8d1a2258c5f85db9f1cd715a1bdd',
  'topic[0]=0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
  'image sha256:9b2f0c5a7d3e1f4b6a8c0e2d4f6a8b0c2e4d6f8a0b2c4e6d8f0a2b4c6e8d0f2a pulled',
  'sending 1.5 ETH to 0x742d35Cc6634C0532925a3b844Bc454e4438f44e',
  'deployed at commit 3f2c1e9b7a6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b',
  'request 550e8400-e29b-41d4-a716-446655440000 finished',
  'max_tokens: 512, tokens=5, token count: 1234',
  'password reset email sent to ops@example.com',
  'the secret to calm on-call is boring infrastructure',
  'GET https://example.com/docs?page=2&sort=asc',
  'connected to redis://127.0.0.1:6379 and postgres://app@localhost/db',
  'bearer of bad news: the price feed is down',
  'please check the status of the price feed and restart it if needed',
  'word list: abandon ability able about above absent',
  '2026-11-21T06:28:11.619Z INFO  mcp-monitoring: mcp server listening url=http://127.0.0.1:46807/mcp',
  'gas price 12.5 gwei, block 19283746, chain id 1',
  'restarted price-feed in 0.9 s — healthy (restarts: 3)',
  'key rotation scheduled for tomorrow',
  'api_key: (not set)',
];

describe('redact', () => {
  it.each(SECRETS)('GIVEN %s THEN the secret is gone', (_kind, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED');
  });

  it('the corpus covers at least 50 secrets of at least 20 kinds', () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(SECRETS.map(([kind]) => kind.split(' ')[0])).size).toBeGreaterThanOrEqual(20);
  });

  it.each(HARMLESS)('GIVEN a harmless look-alike THEN it is left as it is: %s', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('keeps the words around a secret, so the line still says what happened', () => {
    expect(redact(`login with ${DISCORD} failed`)).toBe('login with [REDACTED discord-token] failed');
    expect(redact('connecting to postgres://admin:S3cr3t!pw@db.internal:5432/app')).toBe(
      'connecting to postgres://admin:[REDACTED password]@db.internal:5432/app',
    );
  });

  it('is idempotent', () => {
    for (const [, text] of SECRETS) expect(redact(redact(text))).toBe(redact(text));
  });
});
