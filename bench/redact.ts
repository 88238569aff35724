import { redact, redactLines } from '../security/redact.js';
import { LOOK_ALIKES, SECRET_CORPUS } from '../tests/support/secrets.js';

/**
 * Redaction runs on every reply, notice and log line: lines per second for ordinary fleet log lines (one in a
 * hundred carrying a secret from the test corpus), for the look-alikes alone, and for `/logs`-sized tails redacted
 * as one text. A fixed time per figure, so the bench stays short on a busy machine.
 */

const ORDINARY = [
  'INFO  ops: job done queue=ops name=status id=1842 ms=3.2',
  'WARN  health: price-feed unhealthy reason="MCP ping timed out after 2.0 s" failures=2',
  'DEBUG scanner: block 19283746 pairs=412 candidates=3 best=0.0041 WETH',
  'INFO  mcp-monitoring: mcp server listening url=http://127.0.0.1:46807/mcp',
  'Error: could not coalesce error (error={ "code": -32000, "message": "nonce too low" }, code=UNKNOWN_ERROR, version=6.17.0)',
  '{"level":"info","msg":"swap simulated","amountIn":"1000000000000000000","profit":"4100000000000000","pool":"0x742d35Cc6634C0532925a3b844Bc454e4438f44e"}',
  'tx 0x88df016429689c079f3b2f6ad39fa052532c56795b733da78a91ebe6a713944b confirmed in block 19000000',
  'restarted price-feed in 0.9 s — healthy (restarts: 3)',
  'please check the status of the price feed and restart it if needed',
  '    at async Promise.all (index 0)',
];

function perSecond<T extends string | readonly string[]>(items: readonly T[], run: (item: T) => unknown, budgetMs = 1500): { perSecond: number; chars: number } {
  let n = 0;
  let chars = 0;
  const began = performance.now();
  while (performance.now() - began < budgetMs) {
    for (let i = 0; i < 200; i++) {
      const item = items[n % items.length]!;
      run(item);
      chars += typeof item === 'string' ? item.length : item.reduce((sum, line) => sum + line.length + 1, 0);
      n++;
    }
  }
  const seconds = (performance.now() - began) / 1000;
  return { perSecond: n / seconds, chars: chars / seconds };
}

export async function benchRedact(): Promise<string[]> {
  const secrets = SECRET_CORPUS.map((s) => s.text);
  const mixed = Array.from({ length: 10_000 }, (_, i) => {
    const stamp = new Date(1_764_662_400_000 + i * 37).toISOString();
    return `${stamp} ${i % 100 === 0 ? secrets[(i / 100) % secrets.length]! : ORDINARY[i % ORDINARY.length]!}`;
  });
  const lines = perSecond(mixed, redact);
  const lookAlikes = perSecond(LOOK_ALIKES.map((l) => l.text), redact);
  const corpus = perSecond(secrets, redact);
  const tails = Array.from({ length: 20 }, (_, i) => mixed.slice(i * 500, i * 500 + 500));
  const tail = perSecond(tails, redactLines);
  const k = (x: number) => `${Math.round(x / 1000)}k`;
  return [
    `log lines (1 in 100 with a secret): ${k(lines.perSecond)} lines/s, ${(lines.chars / 1e6).toFixed(1)} MB/s`,
    `look-alikes only (${LOOK_ALIKES.length} texts): ${k(lookAlikes.perSecond)} texts/s`,
    `secret corpus only (${secrets.length} texts): ${k(corpus.perSecond)} texts/s`,
    `/logs tails of 500 lines redacted as one text: ${tail.perSecond.toFixed(0)} tails/s (${k(tail.perSecond * 500)} lines/s)`,
  ];
}

// `node dist/bench/redact.js` runs this bench alone.
if (import.meta.url === `file://${process.argv[1]}`) for (const line of await benchRedact()) process.stdout.write(`${line}\n`);
