import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `fleetbot new server <name>` and `fleetbot new agent <name>`: a first-party MCP server (one tool, its health tool,
 * a test and its fleet.yaml entry) or a queue worker with a heartbeat (and its test), written into a checkout of
 * fleetbot so they build and pass their tests as generated. Side effects: writes files under `root`, and edits the
 * servers' or agents' registry and fleet.yaml, each by one line.
 */

const NAME = /^[a-z][a-z0-9-]{1,30}$/;

export class ScaffoldError extends Error {}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function write(root: string, file: string, text: string): string {
  const full = path.join(root, file);
  if (existsSync(full)) throw new ScaffoldError(`${file} exists already: choose another name, or remove it first`);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  return file;
}

/** Adds `line` just above the marker comment in `file`. */
function insertAbove(root: string, file: string, marker: string, line: string): string {
  const full = path.join(root, file);
  const text = readFileSync(full, 'utf8');
  const at = text.indexOf(marker);
  if (at === -1) throw new ScaffoldError(`${file} has no "${marker.trim()}" line to add to`);
  const lineStart = text.lastIndexOf('\n', at) + 1;
  writeFileSync(full, text.slice(0, lineStart) + line + '\n' + text.slice(lineStart));
  return file;
}

function checkName(kind: string, name: string) {
  if (!NAME.test(name)) throw new ScaffoldError(`a ${kind} name is lower-case letters, digits and dashes, 2 to 31 characters, starting with a letter — not "${name}"`);
}

export function newServer(root: string, name: string): string[] {
  checkName('server', name);
  const files = [
    write(
      root,
      `mcp-fleet/servers/${name}.ts`,
      `import { z } from 'zod';
import { defineServer, tool, toolResult } from './server.js';

/**
 * The \`${name}\` MCP server. Its tools are data: a description, a zod input, and what it does.
 * Side effects: none yet — say here what it touches once it does.
 */

export default defineServer({
  name: '${name}',
  description: 'What ${name} serves, in one line',
  open: () => ({ startedAt: Date.now() }),
  close: async () => {},
  tools: (state) => ({
    greet: tool({
      description: 'Says hello to someone',
      input: { who: z.string().min(1).max(100).describe('Whom to greet') },
      async run({ who }) {
        return toolResult(\`hello, \${who}\`, { who });
      },
    }),
    health: tool({
      description: 'Whether ${name} can serve (its health tool: fleet.yaml names it)',
      async run() {
        return toolResult(\`ok, up \${Math.round((Date.now() - state.startedAt) / 1000)} s\`, { ok: true });
      },
    }),
  }),
});
`,
    ),
    write(
      root,
      `tests/integration/server-${name}.test.ts`,
      `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { member, waitFor } from '../support/fleet.js';
import { startFleet } from '../support/host.js';

// The ${name} server as a fleet member: started by fleetbot's process backend, spoken to over MCP.

describe('${name} server', () => {
  let fleet: Awaited<ReturnType<typeof startFleet>>;
  beforeAll(async () => {
    fleet = await startFleet([member({ name: '${name}', command: ['fleetbot', 'serve', '${name}'] })]);
  }, 60_000);
  afterAll(async () => fleet?.close());

  it('GIVEN greet THEN it answers', async () => {
    // The first call waits for the member to answer at all (a busy machine starts it slowly).
    const result = await waitFor(() => fleet.pool.callTool('${name}', 'greet', { who: 'olga' }).catch(() => undefined), { timeoutMs: 30_000, what: '${name} answering' });
    expect(result.content).toEqual([{ type: 'text', text: 'hello, olga' }]);
  }, 60_000);

  it('GIVEN its health tool THEN it reports ok', async () => {
    const result = await fleet.pool.callTool('${name}', 'health', {});
    expect(result.isError).toBeFalsy();
  });
});
`,
    ),
    insertAbove(root, 'mcp-fleet/servers/index.ts', '// fleetbot new server <name> adds', `  '${name}': () => import('./${name}.js'),`),
  ];
  const fleetYaml = path.join(root, 'fleet.yaml');
  const entry = `
  - name: ${name}
    description: What ${name} serves, in one line
    transport: stdio
    command: [fleetbot, serve, ${name}]
    health:
      tool: health
    tags: [new]
`;
  writeFileSync(fleetYaml, readFileSync(fleetYaml, 'utf8').replace(/\n*$/, '\n') + entry);
  files.push('fleet.yaml');
  return files;
}

export function newAgent(root: string, name: string): string[] {
  checkName('agent', name);
  const id = `${camel(name)}Agent`;
  return [
    write(
      root,
      `agents/${name}.ts`,
      `import { defineAgent, repeat } from './worker-agent.js';

/**
 * The \`${name}\` agent: a worker with a heartbeat (\`/agents\` shows it), doing its round every ten seconds.
 * Side effects: none yet — say here what it touches once it does.
 */

const ROUND_MS = 10_000;

export const ${id} = defineAgent({
  name: '${name}',
  description: 'What ${name} does, in one line',
  work({ log }, heartbeat) {
    return repeat(
      () => ROUND_MS,
      async () => {
        // Its work goes here; each round is counted by the heartbeat.
        heartbeat.count('done');
      },
      log,
    );
  },
});
`,
    ),
    write(
      root,
      `tests/integration/agent-${name}.test.ts`,
      `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fleet.js';
import { operator, startStack } from '../support/stack.js';

// The ${name} agent started as \`fleetbot up\` starts it: its heartbeat shows it alive in /agents.

describe('${name} agent', () => {
  let s: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    s = await startStack([], { agents: ['${name}'] });
  }, 60_000);
  afterAll(async () => s?.stop());

  it('GIVEN it runs THEN /agents shows it alive', async () => {
    const alive = await waitFor(async () => (await s.dispatcher.dispatchLine('/agents', operator, 'test')).table?.rows.find((r) => r.cells[0] === '${name}' && r.cells[1] === 'alive'));
    expect(alive).toBeDefined();
  });
});
`,
    ),
    insertAbove(root, 'agents/index.ts', '// fleetbot new agent: imports go', `import { ${id} } from './${name}.js';`),
    insertAbove(root, 'agents/index.ts', '  // fleetbot new agent: agents go', `  ${id},`),
  ];
}
