#!/usr/bin/env node
// The `fleetbot` command: runs the compiled CLI (npm install builds it; `npm run build` rebuilds it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/bot/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`fleetbot is not built: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(1);
}
await import(entry.href);
