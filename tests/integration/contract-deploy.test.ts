import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownArtifact } from '../../defi/contracts/index.js';
import { startAnvil } from '../support/anvil.js';
import { fleetbot } from '../support/cli.js';

// `fleetbot contract deploy` as a user runs it (the built CLI, a real process) against Anvil.

describe('fleetbot contract deploy', () => {
  let anvil: Awaited<ReturnType<typeof startAnvil>>;
  let provider: JsonRpcProvider;
  let dir: string;
  const owner = Wallet.createRandom();
  const deploy = (input: string, env: Record<string, string>, ...extra: string[]) => fleetbot(['contract', 'deploy', '--rpc', anvil.url, ...extra], input, { PATH: process.env.PATH, ...env }, dir);

  beforeAll(async () => {
    anvil = await startAnvil();
    provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
    await provider.send('anvil_setBalance', [owner.address, `0x${(10n ** 18n).toString(16)}`]);
    dir = mkdtempSync(path.join(tmpdir(), 'fleetbot-deploy-'));
  });
  afterAll(async () => {
    provider?.destroy();
    await anvil?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN EXECUTOR_KEY and a yes THEN it shows the cost, deploys, and prints an address whose code is FlashArbitrage\'s, owned by the key', async () => {
    const { code, stdout, stderr } = await deploy('y\n', { EXECUTOR_KEY: owner.privateKey });
    expect(stderr).toMatch(new RegExp(`^FlashArbitrage from ${owner.address} on chain 31337: \\d+ gas × [\\d.]+ gwei ≈ [\\d.]+ \\(balance 1\\.0\\)\\ndeploy it\\? \\[y/N\\] sent 0x[0-9a-f]{64}, waiting for the receipt…\\nFlashArbitrage deployed at 0x[0-9a-fA-F]{40} \\(block \\d+, gas used \\d+\\); its code checked\\n$`));
    expect(code).toBe(0);
    const address = /^EXECUTOR_CONTRACT=(0x[0-9a-fA-F]{40})\n$/.exec(stdout)?.[1];
    expect(address).toBeDefined();
    expect(await provider.getCode(address!)).toBe(ownArtifact('FlashArbitrage').deployedBytecode);
    expect(await new Contract(address!, ['function owner() view returns (address)'], provider).owner!()).toBe(owner.address);
    // The key never shows.
    expect(stdout + stderr).not.toContain(owner.privateKey.slice(2));
  });

  it('GIVEN --yes THEN it does not ask', async () => {
    const { code, stdout, stderr } = await deploy('', { EXECUTOR_KEY: owner.privateKey }, '--yes');
    expect(code).toBe(0);
    expect(stderr).not.toContain('deploy it?');
    expect(stdout).toMatch(/^EXECUTOR_CONTRACT=0x[0-9a-fA-F]{40}\n$/);
  });

  it('GIVEN no key, a bad key, or no yes THEN it refuses and sends nothing', async () => {
    const nonce = await provider.getTransactionCount(owner.address);
    const none = await deploy('y\n', {});
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr).toBe('fleetbot: contract deploy needs EXECUTOR_KEY: the key that will own FlashArbitrage and sign its trades\n');
    const bad = await deploy('y\n', { EXECUTOR_KEY: 'not-a-key' });
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/environment EXECUTOR_KEY: a 32-byte hex private key/);
    const no = await deploy('n\n', { EXECUTOR_KEY: owner.privateKey });
    expect(no).toMatchObject({ code: 1, stdout: '' });
    expect(no.stderr).toMatch(/fleetbot: not deployed: not confirmed\n$/);
    expect(await provider.getTransactionCount(owner.address)).toBe(nonce);
  });
});
