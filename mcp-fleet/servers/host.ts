import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../../telemetry/logger.js';
import type { OpenServer } from './server.js';

/**
 * Serves a first-party MCP server over stdio or Streamable HTTP (127.0.0.1 only, one session per client,
 * streamed responses — the JSON-response mode leaks memory in SDK 1.32). `/healthz` answers for container checks.
 * Side effects: reads stdin / listens on a TCP port.
 */

const MAX_SESSIONS = 64;

export async function serveStdio(open: OpenServer): Promise<{ closed: Promise<void> }> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => process.stdin.once('end', resolve).once('close', resolve));
  await open.build().connect(transport);
  return { closed };
}

export async function serveHttp(open: OpenServer, port: number, log: Logger): Promise<{ close(): Promise<void> }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url.pathname !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined || req.method !== 'POST') {
        // An unknown session (e.g. from before a restart): 404 tells the client to initialise again.
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'session not found' }, id: null }));
        return;
      }
      if (sessions.size >= MAX_SESSIONS) {
        const [oldest] = sessions.values();
        await oldest?.close();
      }
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, created),
        enableDnsRebindingProtection: true,
        allowedHosts: hosts,
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      await open.build().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      log.warn('mcp http request failed', { error });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  log.info('mcp server listening', { url: `http://127.0.0.1:${port}/mcp` });
  return {
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
