#!/usr/bin/env node
// A container health check that costs one small round trip, not a fleetbot start: it imports nothing of fleetbot
// and nothing from node_modules, and it is CommonJS: Node's ES module loader alone costs more CPU than the check.
//   node bin/health-check.cjs http [PORT]          GET 127.0.0.1:PORT/healthz (PORT defaults to $PORT) answers 200
//   node bin/health-check.cjs agents NAME...       each agent has a live heartbeat in REDIS_URL under REDIS_PREFIX
// Exit 0 healthy, 1 not (with one line on stderr saying why).
const { request } = require('node:http');
const { connect } = require('node:net');
const { readFileSync } = require('node:fs');

// The heartbeat contract of state/heartbeats.ts: `<prefix>:agents` hash, JSON values with name and beatAt; an agent
// silent for three 5 s beats is gone.
const ALIVE_MS = 15_000;
const TIMEOUT_MS = 3_000;

const fail = (why) => {
  process.stderr.write(`unhealthy: ${why}\n`);
  process.exit(1);
};
setTimeout(() => fail(`no answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS).unref();

function checkHttp(port) {
  if (!/^\d+$/.test(port ?? '')) fail('usage: health-check.cjs http PORT (or set PORT)');
  request({ host: '127.0.0.1', port: Number(port), path: '/healthz', method: 'GET' }, (res) => {
    res.resume();
    if (res.statusCode === 200) process.exit(0);
    fail(`/healthz answered ${res.statusCode}`);
  })
    .on('error', (error) => fail(error.message))
    .end();
}

/** One RESP command as bytes. */
const resp = (...args) => args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).reduce((s, a) => s + a, `*${args.length}\r\n`);

/** Parses one RESP reply from `buf` at `at`; returns [value, next] or undefined while incomplete. */
function parse(buf, at = 0) {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  if (type === '+' || type === ':') return [line, eol + 2];
  if (type === '-') return [new Error(line), eol + 2];
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return [null, eol + 2];
    if (buf.length < eol + 2 + n + 2) return undefined;
    return [buf.toString('utf8', eol + 2, eol + 2 + n), eol + 2 + n + 2];
  }
  if (type === '*') {
    const items = [];
    let next = eol + 2;
    for (let i = 0; i < Number(line); i++) {
      const item = parse(buf, next);
      if (!item) return undefined;
      [items[i], next] = item;
    }
    return [items, next];
  }
  return [new Error(`unexpected reply "${type}"`), buf.length];
}

function checkAgents(names) {
  if (!names.length) fail('usage: health-check.cjs agents NAME...');
  if (!process.env.REDIS_URL) fail('set REDIS_URL: the heartbeats are in Redis');
  const url = new URL(process.env.REDIS_URL);
  const prefix = process.env.REDIS_PREFIX || 'fleetbot';
  const commands = [];
  // The compose deploy keeps the password in a secret file (the bare password, or Redis's `requirepass <pw>` line).
  if (!url.password && process.env.REDIS_PASSWORD_FILE) {
    const text = readFileSync(process.env.REDIS_PASSWORD_FILE, 'utf8').trim();
    url.password = encodeURIComponent(/^requirepass\s+(\S+)$/.exec(text)?.[1] ?? text);
  }
  if (url.password) commands.push(url.username ? ['AUTH', decodeURIComponent(url.username), decodeURIComponent(url.password)] : ['AUTH', decodeURIComponent(url.password)]);
  const db = url.pathname.slice(1);
  if (db) commands.push(['SELECT', db]);
  commands.push(['HGETALL', `${prefix}:agents`]);

  const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) });
  let buf = Buffer.alloc(0);
  const replies = [];
  socket.on('error', (error) => fail(`redis: ${error.message}`));
  socket.on('connect', () => socket.write(commands.map((c) => resp(...c)).join('')));
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (let parsed = parse(buf); parsed; parsed = parse(buf)) {
      replies.push(parsed[0]);
      buf = buf.subarray(parsed[1]);
    }
    if (replies.length < commands.length) return;
    socket.destroy();
    const error = replies.find((r) => r instanceof Error);
    if (error) fail(`redis: ${error.message}`);
    const hash = replies.at(-1);
    const alive = new Set();
    for (let i = 1; i < hash.length; i += 2) {
      try {
        const beat = JSON.parse(hash[i]);
        if (Date.now() - beat.beatAt <= ALIVE_MS) alive.add(beat.name);
      } catch {
        // A malformed entry is no heartbeat.
      }
    }
    const silent = names.filter((name) => !alive.has(name));
    if (silent.length) fail(`no live heartbeat from ${silent.join(', ')}`);
    process.exit(0);
  });
}

const [what, ...rest] = process.argv.slice(2);
if (what === 'http') checkHttp(rest[0] ?? process.env.PORT);
else if (what === 'agents') checkAgents(rest);
else fail('usage: health-check.cjs http [PORT] | agents NAME...');
