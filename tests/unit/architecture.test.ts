import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The layer rules live in .dependency-cruiser.cjs (docs/architecture.md explains them); this runs them on the tree.
const run = promisify(execFile);
const SOURCES = ['agents', 'bench', 'bin', 'bot', 'commands', 'config', 'defi', 'mcp-fleet', 'queues', 'redis', 'security', 'state', 'telemetry'];

describe('architecture', () => {
  it('GIVEN the source tree THEN no import runs up a floor and no file cycle exists', async () => {
    const { existsSync } = await import('node:fs');
    const roots = SOURCES.filter((dir) => existsSync(dir));
    let output: string;
    try {
      const { stdout, stderr } = await run(process.execPath, ['node_modules/dependency-cruiser/bin/dependency-cruise.mjs', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...roots], { maxBuffer: 8 << 20 });
      output = stdout + stderr;
    } catch (error) {
      // Violations (exit 1), or the checker missing: both fail here, with what it said.
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      output = stdout + stderr || String(error);
    }
    expect(output.trim()).toMatch(/^✔ no dependency violations found/);
  }, 120_000);
});
