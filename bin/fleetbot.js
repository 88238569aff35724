#!/usr/bin/env node
// The `fleetbot` command: runs the compiled CLI (npm install builds it; `npm run build` rebuilds it).
import module from 'node:module';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Node 24 warns (DEP0169) when a dependency calls url.parse(); the warning is for that library, and on stderr it
// would drown the one-line errors fleetbot prints there. Every other warning still shows.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1];
  if (code === 'DEP0169') return;
  emitWarning(warning, ...rest);
};

// Node 22.1+ keeps compiled code on disk between runs (a restart of a member starts warm); Node 20 has no such cache.
module.enableCompileCache?.();

// The esbuild bundle when the build made one (a few files to load instead of hundreds, one chunk per verb's lazy
// imports); tsc's output otherwise: when a later `tsc` left the bundle behind it, or when FLEETBOT_BUNDLE=0 asks.
const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
const compiled = new URL('../dist/bot/cli.js', import.meta.url);
const bundleFresh = () => existsSync(bundle) && (!existsSync(compiled) || statSync(bundle).mtimeMs >= statSync(compiled).mtimeMs);
const entry = process.env.FLEETBOT_BUNDLE !== '0' && bundleFresh() ? bundle : compiled;
if (!existsSync(entry)) {
  process.stderr.write(`fleetbot is not built: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(1);
}
await import(entry.href);
