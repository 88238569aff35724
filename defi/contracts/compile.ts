import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Compiles the contracts of defi/contracts with the npm `solc` package (a dev dependency) and writes
 * `artifacts.json`, which is committed next to the sources so that running fleetbot needs no compiler.
 * `npm run contracts` regenerates it; tests/unit/defi/contracts.test.ts checks that it matches the sources.
 */

export const SOURCES = ['FlashArbitrage.sol', 'BatchReaders.sol', 'DevToken.sol'] as const;

export interface CompiledContract {
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// Sources live beside this file in the repository; the compiled JS runs from dist/defi/contracts.
export const SOURCE_DIR = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../../defi/contracts' : '.');

export function compileContracts(): Record<string, CompiledContract> {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string };
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(SOURCES.map((file) => [file, { content: readFileSync(path.join(SOURCE_DIR, file), 'utf8') }])),
    settings: {
      optimizer: { enabled: true, runs: 1000 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  type Output = {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as Output;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contracts: Record<string, CompiledContract> = {};
  for (const file of SOURCES) {
    for (const [name, c] of Object.entries(output.contracts[file] ?? {})) {
      // Interfaces have no code; only what can be deployed or run goes into the artifact.
      if (!c.evm.bytecode.object) continue;
      contracts[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, deployedBytecode: `0x${c.evm.deployedBytecode.object}` };
    }
  }
  return contracts;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = path.join(SOURCE_DIR, 'artifacts.json');
  writeFileSync(target, JSON.stringify(compileContracts(), null, 1) + '\n');
  process.stdout.write(`wrote ${target}\n`);
}
