#!/usr/bin/env node
// Accepts an MCP connection (answers initialize and tools/list) but never answers ping or tool calls: a hung server.
import { createInterface } from 'node:readline';

const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.method === 'initialize') {
    send({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'deaf', version: '1.0.0' } } });
  } else if (message.method === 'tools/list') {
    send({ jsonrpc: '2.0', id: message.id, result: { tools: [] } });
  }
  // ping, tools/call: no answer, ever.
});
process.stdin.on('end', () => process.exit(0));
