// `npm run build`, after tsc: bundles the compiled CLI with esbuild into dist/bundle/ (one chunk per lazy import),
// so the verbs run many times over — a member server (`serve`), an agent, a health `check`, a `scan` — load a few
// files instead of hundreds. bin/fleetbot.js runs those verbs from the bundle when it exists, everything else (and
// every verb when esbuild is absent, e.g. an install without dev dependencies) from dist/ as tsc wrote it.
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/bundle`;

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('esbuild is not installed: no bundles; fleetbot runs from dist/ as tsc wrote it\n');
  process.exit(0);
}
if (!existsSync(`${root}dist/bot/cli.js`)) {
  process.stderr.write('build-bundles: run tsc first (dist/bot/cli.js is missing)\n');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });

await esbuild.build({
  entryPoints: { cli: `${root}dist/bot/cli.js` },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import{createRequire as __fbRequire}from'node:module';const require=__fbRequire(import.meta.url);" },
  // Native addons, binaries found on disk, and libraries the bundled verbs never load stay in node_modules.
  external: [
    '@resvg/resvg-js',
    '@foundry-rs/*',
    'solc',
    'dockerode',
    'ssh2',
    'cpu-features',
    'discord.js',
    '@discordjs/*',
    'zlib-sync',
    'bufferutil',
    'utf-8-validate',
    'msgpackr-extract',
    'playwright-core',
    'echarts',
    '@langchain/*',
    'fastify',
    '@fastify/*',
    '@bull-board/*',
  ],
});
