/** Latency figures for benchmark reports. */

export interface Figures {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  perSecond: number;
}

export function figures(samplesMs: number[], wallMs: number): Figures {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    n: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    perSecond: (sorted.length / wallMs) * 1000,
  };
}

/** Runs `task` `n` times with `concurrency` in flight; returns each run's latency and the wall time. */
export async function measure(n: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<Figures> {
  const samples: number[] = [];
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await task(i);
        samples.push(performance.now() - t);
      }
    }),
  );
  return figures(samples, performance.now() - began);
}

export function row(name: string, f: Figures): string {
  const ms = (v: number) => `${v.toFixed(2)} ms`.padStart(10);
  return `${name.padEnd(44)} n=${String(f.n).padEnd(5)} p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  ${f.perSecond.toFixed(0).padStart(6)} req/s`;
}
