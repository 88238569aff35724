import { createInterface } from 'node:readline';
import { ContractFactory, formatEther, formatUnits, Wallet } from 'ethers';
import { connect, rpc } from '../defi/chain.js';
import { ownArtifact } from '../defi/contracts/index.js';

/**
 * `fleetbot contract deploy`: deploys FlashArbitrage from the EXECUTOR_KEY account — the estimated cost first, a
 * question (unless --yes), the receipt, then a check that the code at the new address is FlashArbitrage's.
 * Side effects: one transaction from the executor's account to the given endpoint.
 */

export interface DeployIo {
  write(text: string): void;
  /** The user's answer to a yes/no question. */
  ask(question: string): Promise<string>;
}

class DeployRefused extends Error {}

/** A line from stdin (a terminal or a pipe); empty when stdin ends first. */
export function askStdin(question: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(question);
    const rl = createInterface({ input: process.stdin });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => answered || resolve(''));
  });
}

export async function deployFlashArbitrageCommand(options: { rpc: string; yes?: boolean }, key: string | undefined, io: DeployIo): Promise<string> {
  if (!key) throw new DeployRefused('contract deploy needs EXECUTOR_KEY: the key that will own FlashArbitrage and sign its trades');
  const provider = await connect(options.rpc);
  try {
    return await rpc(options.rpc, async () => {
      const wallet = new Wallet(key, provider);
      const { abi, bytecode, deployedBytecode } = ownArtifact('FlashArbitrage');
      const request = { ...(await new ContractFactory(abi as never, bytecode, wallet).getDeployTransaction()), from: wallet.address };
      const [gas, gasPrice, balance, network] = await Promise.all([
        provider.estimateGas(request),
        provider.send('eth_gasPrice', []).then((p: string) => BigInt(p)),
        provider.getBalance(wallet.address),
        provider.getNetwork(),
      ]);
      const cost = gas * gasPrice;
      io.write(`FlashArbitrage from ${wallet.address} on chain ${network.chainId}: ${gas} gas × ${formatUnits(gasPrice, 'gwei')} gwei ≈ ${formatEther(cost)} (balance ${formatEther(balance)})\n`);
      if (balance < cost) throw new DeployRefused(`${wallet.address} holds ${formatEther(balance)}, less than the estimated ${formatEther(cost)}`);
      if (!options.yes && !/^y(es)?$/i.test((await io.ask('deploy it? [y/N] ')).trim())) throw new DeployRefused('not deployed: not confirmed');
      // The margin covers a price that moves between the estimate and the block; unused gas is not paid.
      const tx = await wallet.sendTransaction({ data: request.data, gasLimit: (gas * 12n) / 10n, gasPrice });
      io.write(`sent ${tx.hash}, waiting for the receipt…\n`);
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1 || !receipt.contractAddress) throw new DeployRefused(`transaction ${tx.hash} failed`);
      const code = await provider.getCode(receipt.contractAddress);
      if (code.toLowerCase() !== deployedBytecode.toLowerCase()) throw new DeployRefused(`the code at ${receipt.contractAddress} is not FlashArbitrage's`);
      io.write(`FlashArbitrage deployed at ${receipt.contractAddress} (block ${receipt.blockNumber}, gas used ${receipt.gasUsed}); its code checked\n`);
      return `EXECUTOR_CONTRACT=${receipt.contractAddress}\n`;
    });
  } finally {
    provider.destroy();
  }
}
