import { getCreateAddress } from 'ethers';

/**
 * Thousands of transactions from one unlocked account of a dev node (Anvil), fast and in order. Each transaction
 * gets its nonce here, when it is queued, and an explicit gas limit (nothing is estimated: a transaction may depend
 * on one queued before it); they go out in JSON-RPC batches with automine off, and every `BLOCK` of them is mined
 * with evm_mine and checked by its block's receipts. Anvil's transaction pool and its per-transaction receipt
 * lookups both slow down with the number of transactions waiting or in a block, so blocks stay small. Plain fetch,
 * not an ethers provider: ethers serialises a whole batch again for every call it adds (quadratic in its size).
 * Side effects: eth_sendTransaction from the account; evm_setAutomine and evm_mine on the node (automine is on
 * again after `close`).
 */

export interface DevTransaction {
  /** Says which transaction failed, in the error. */
  label: string;
  to?: string;
  data: string;
  value?: bigint;
  gas: bigint;
}

export interface MinedTransaction {
  label: string;
  logs: { address: string; topics: string[]; data: string }[];
}

interface RpcReceipt {
  transactionHash: string;
  status: string;
  contractAddress: string | null;
  logs: { address: string; topics: string[]; data: string }[];
}

/** Transactions per mined block. */
const BLOCK = 250;
/** Anvil refuses request bodies of a few MB. */
const MAX_BODY = 1 << 20;
const hex = (value: bigint | number) => `0x${value.toString(16)}`;

type Call = [method: string, params: unknown[]];

/** JSON-RPC calls in batches of at most MAX_BODY; the results in order, or the first error naming its call. */
async function rpcBatch(url: string, calls: Call[], describe: (i: number) => string): Promise<unknown[]> {
  let current: string[] = [];
  const bodies = [current];
  let size = 0;
  calls.forEach(([method, params], id) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    if (size + body.length > MAX_BODY && current.length > 0) {
      bodies.push((current = []));
      size = 0;
    }
    current.push(body);
    size += body.length;
  });
  const answers = await Promise.all(
    bodies.map(async (batch) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `[${batch.join(',')}]` });
      if (!response.ok) throw new Error(`devnet: the node answered HTTP ${response.status}`);
      return (await response.json()) as { id: number; result?: unknown; error?: { message: string } }[];
    }),
  );
  const results: unknown[] = new Array(calls.length);
  for (const answer of answers.flat()) {
    if (answer.error) throw new Error(`devnet: ${describe(answer.id)} failed: ${answer.error.message}`);
    results[answer.id] = answer.result;
  }
  return results;
}

export class DevSender {
  /** Each with the address a deployment's contract must get. */
  private queued: { tx: DevTransaction; creates?: string }[] = [];

  private constructor(
    private readonly url: string,
    readonly from: string,
    private nonce: number,
  ) {}

  static async open(url: string, from: string): Promise<DevSender> {
    const [nonce] = await rpcBatch(url, [['eth_getTransactionCount', [from, 'pending']], ['evm_setAutomine', [false]]], () => 'turning automine off');
    return new DevSender(url, from, Number(nonce));
  }

  private async send(method: string, params: unknown[] = []): Promise<unknown> {
    return (await rpcBatch(this.url, [[method, params]], () => method))[0];
  }

  /** Queues a transaction; for a deployment (no `to`), returns the address its contract will have. */
  queue(tx: DevTransaction): string | undefined {
    const creates = tx.to === undefined ? getCreateAddress({ from: this.from, nonce: this.nonce + this.queued.length }) : undefined;
    this.queued.push({ tx, creates });
    return creates;
  }

  /** Sends and mines everything queued; throws naming the first transaction that failed. */
  async flush(): Promise<MinedTransaction[]> {
    const txs = this.queued;
    this.queued = [];
    const mined: MinedTransaction[] = [];
    for (let i = 0; i < txs.length; i += BLOCK) mined.push(...(await this.mine(txs.slice(i, i + BLOCK))));
    return mined;
  }

  private async mine(txs: { tx: DevTransaction; creates?: string }[]): Promise<MinedTransaction[]> {
    const first = this.nonce;
    this.nonce += txs.length;
    const sends: Call[] = txs.map(({ tx }, i) => ['eth_sendTransaction', [{ from: this.from, to: tx.to, data: tx.data, value: hex(tx.value ?? 0n), gas: hex(tx.gas), nonce: hex(first + i) }]]);
    const hashes = (await rpcBatch(this.url, sends, (i) => `sending ${txs[i]!.tx.label}`)) as string[];
    const before = Number(await this.send('eth_blockNumber'));
    // A block holds what fits under its gas limit: mine until nothing waits, as long as each block takes some.
    let waiting = Number.POSITIVE_INFINITY;
    for (;;) {
      const pool = (await this.send('txpool_status')) as { pending: string; queued: string };
      if (Number(pool.queued) > 0) throw new Error(`devnet: ${Number(pool.queued)} transactions wait behind a missing nonce`);
      if (Number(pool.pending) === 0) break;
      if (Number(pool.pending) >= waiting) throw new Error(`devnet: ${Number(pool.pending)} transactions do not fit in a block (gas limit above the block's?)`);
      waiting = Number(pool.pending);
      await this.send('evm_mine');
    }
    const after = Number(await this.send('eth_blockNumber'));
    const blocks = Array.from({ length: after - before }, (_, k): Call => ['eth_getBlockReceipts', [hex(before + k + 1)]]);
    const receipts = new Map<string, RpcReceipt>();
    for (const r of ((await rpcBatch(this.url, blocks, (k) => `receipts of block ${before + k + 1}`)) as RpcReceipt[][]).flat()) receipts.set(r.transactionHash, r);
    return txs.map(({ tx, creates }, i) => {
      const receipt = receipts.get(hashes[i]!);
      if (!receipt) throw new Error(`devnet: ${tx.label} was not mined (tx ${hashes[i]})`);
      if (receipt.status !== '0x1') throw new Error(`devnet: ${tx.label} reverted (tx ${hashes[i]}, gas limit ${tx.gas})`);
      // Later transactions were addressed to the predicted address: a contract elsewhere would make them no-ops.
      if (creates && receipt.contractAddress?.toLowerCase() !== creates.toLowerCase()) throw new Error(`devnet: ${tx.label} created ${receipt.contractAddress}, not ${creates}`);
      return { label: tx.label, logs: receipt.logs };
    });
  }

  async close(): Promise<void> {
    await this.send('evm_setAutomine', [true]);
  }
}
