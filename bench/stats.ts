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

/**
 * Two tasks `n` times each, one in flight, taking turns: a busy moment on the machine falls on both alike, so their
 * ratio holds on a noisy machine where two runs one after the other differ by half.
 */
export async function measureSideBySide(n: number, a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>): Promise<[Figures, Figures]> {
  const samples: [number[], number[]] = [[], []];
  const busy = [0, 0];
  for (let i = 0; i < n; i++) {
    for (const [k, task] of [a, b].entries()) {
      const t = performance.now();
      await task(i);
      const took = performance.now() - t;
      samples[k]!.push(took);
      busy[k]! += took;
    }
  }
  return [figures(samples[0], busy[0]!), figures(samples[1], busy[1]!)];
}

export function row(name: string, f: Figures): string {
  const ms = (v: number) => `${v.toFixed(2)} ms`.padStart(10);
  return `${name.padEnd(44)} n=${String(f.n).padEnd(5)} p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  ${f.perSecond.toFixed(0).padStart(6)} req/s`;
}
