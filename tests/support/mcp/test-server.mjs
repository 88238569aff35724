#!/usr/bin/env node
// A small MCP server for tests, built with the real SDK: `echo`, `sleep` (a call that stays in flight),
// `say_to_stderr` (puts a line in the member's log) and `freeze` (hangs the process: alive, but answering nothing).
// stdio by default; `--http PORT` for Streamable HTTP (and `/healthz` for container health checks);
// `--crash-unless URL` exits 1 at start unless URL answers 200 (a URL on 127.0.0.1 reaches into containers too);
// `--slow-start MS` waits before it serves; `--deaf-unless FILE` behaves like deaf-server.mjs (connects, then never
// answers) until FILE exists.
import { randomUUID } from 'node:crypto';
import { existsSync, fstatSync } from 'node:fs';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

function build() {
  const server = new McpServer({ name: 'test-server', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo the text back', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }));
  server.registerTool('uptime', { description: 'How long this server has run (a health tool: no arguments)', annotations: { readOnlyHint: true } },
    async () => ({ content: [{ type: 'text', text: `up ${Math.round(process.uptime() * 1000)} ms` }] }));
  server.registerTool('sleep', { description: 'Answer after ms milliseconds', inputSchema: { ms: z.number() } },
    async ({ ms }) => { await new Promise((r) => setTimeout(r, ms)); return { content: [{ type: 'text', text: `slept ${ms}` }] }; });
  server.registerTool('freeze', { description: 'Stop answering anything, without exiting' }, async () => {
    setTimeout(() => {
      for (;;);
    }, 10);
    return { content: [{ type: 'text', text: 'freezing' }] };
  });
  server.registerTool('say_to_stderr', { description: 'Write a line to stderr', inputSchema: { line: z.string() } },
    async ({ line }) => { process.stderr.write(`${line}\n`); return { content: [{ type: 'text', text: 'ok' }] }; });
  return server;
}

const option = (name) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const crashUnless = option('--crash-unless');
if (crashUnless && !(await fetch(crashUnless).then((r) => r.ok, () => false))) {
  process.stderr.write(`test-server: ${crashUnless} says the config is not ok, giving up\n`);
  process.exit(1);
}
const deafUnless = option('--deaf-unless');
if (deafUnless && !existsSync(deafUnless)) {
  await import('./deaf-server.mjs');
  await new Promise(() => {});
}
const slowStart = Number(option('--slow-start') ?? 0);
if (slowStart) await new Promise((r) => setTimeout(r, slowStart));
const httpIndex = process.argv.indexOf('--http');
process.stderr.write(`test-server starting pid=${process.pid}\n`);
if (httpIndex === -1) {
  await build().connect(new StdioServerTransport());
  process.stdin.on('end', () => process.exit(0));
} else {
  const port = Number(process.argv[httpIndex + 1]);
  const sessions = new Map();
  createServer(async (req, res) => {
    if (req.url === '/healthz') { res.writeHead(200).end('ok\n'); return; }
    const id = req.headers['mcp-session-id'];
    let transport = id && sessions.get(id);
    if (!transport) {
      if (id) { res.writeHead(404).end(); return; }
      transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (sid) => sessions.set(sid, transport) });
      await build().connect(transport);
    }
    await transport.handleRequest(req, res);
  }).listen(port, '127.0.0.1');
  // Under the process backend stdin is fleetbot's pipe, and its end means fleetbot is gone; a container's is /dev/null.
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) process.stdin.on('end', () => process.exit(0)).resume();
}
