// `npm run build`, after tsc: bundles the compiled CLI with esbuild into dist/bundle/ (one chunk per lazy import),
// so the verbs run many times over — a member server (`serve`), an agent, a health `check`, a `scan` — load a few
// files instead of hundreds. bin/fleetbot.js runs those verbs from the bundle when it exists, everything else (and
// every verb when esbuild is absent, e.g. an install without dev dependencies) from dist/ as tsc wrote it.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
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

/**
 * The command loader imports every file of its folder by path, which a bundler cannot follow: in the bundle, a file of
 * that folder comes from a static map of imports (the folder is still listed on disk, so the loader's checks hold).
 */
const commandsIndex = path.join(root, 'dist', 'commands', 'index.js');
const DIRECTORY_IMPORT = 'import(pathToFileURL(path.join(dir, file)).href)';
function bundledCommands(source) {
  if (!source.includes(DIRECTORY_IMPORT)) {
    throw new Error(`build-bundles: commands/index.ts no longer loads commands with \`${DIRECTORY_IMPORT}\`: update bin/build-bundles.mjs`);
  }
  const files = readdirSync(path.dirname(commandsIndex)).filter((f) => f.endsWith('.js') && f !== 'index.js' && f !== 'context.js');
  const map = files.map((f) => `${JSON.stringify(f)}: () => import(${JSON.stringify(`./${f}`)})`).join(',');
  const own = `const __fbCommands = {${map}};\n`;
  return own + source.replace(DIRECTORY_IMPORT, `(__fbCommands[file] && path.resolve(dir) === path.dirname(fileURLToPath(import.meta.url)) ? __fbCommands[file]() : ${DIRECTORY_IMPORT})`);
}

/**
 * A module that finds files beside itself (contract artifacts, bin/fleetbot.js) keeps its own location in the
 * bundle: its `import.meta.url` becomes the URL of its file in dist/, relative to the chunk, so the tree may move.
 */
const ownLocation = {
  name: 'own-location',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      if (args.path === commandsIndex) source = bundledCommands(source);
      const relative = path.relative(out, args.path).split(path.sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

const result = await esbuild.build({
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
  plugins: [ownLocation],
  metafile: process.env.FLEETBOT_BUNDLE_META === '1',
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
  ],
});
// FLEETBOT_BUNDLE_META=1: what each output holds, to see what a verb loads (esbuild's analyser format).
if (result.metafile) (await import('node:fs')).writeFileSync(`${out}/meta.json`, JSON.stringify(result.metafile));
