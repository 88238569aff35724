import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * The yardstick for a member's start-up: the smallest useful MCP SDK server over Streamable HTTP — one tool, one
 * session per client, `/healthz` — with nothing of fleetbot. `node dist/bench/bare-mcp-server.js PORT`.
 * Side effects: listens on 127.0.0.1:PORT.
 */

const port = Number(process.argv[2]);
const sessions = new Map<string, StreamableHTTPServerTransport>();
const server = createServer((req, res) => {
  void (async () => {
    if (req.url === '/healthz') return void res.writeHead(200).end('ok\n');
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, created),
      });
      const mcp = new McpServer({ name: 'bare', version: '1.0.0' });
      mcp.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text }] }));
      await mcp.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  })();
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
