import type { Caller } from '../security/permissions.js';
import { startFakeOpenAI } from '../tests/support/fake-openai.js';
import { startBenchStack } from './stack.js';
import { figures, row } from './stats.js';

/**
 * One chat turn (the model asks for /status, then answers) through the real ChatOpenAI client against a local
 * OpenAI-compatible fake that answers at once: the turn's total time, the time spent in model calls, and fleetbot's
 * own overhead — everything else: tools, the ops loop, memory in Redis, policy, redaction.
 */

const caller: Caller = { id: 'bench', name: 'bench', permission: 'admin', via: 'console' };

export async function benchChat(): Promise<string[]> {
  const model = await startFakeOpenAI((_request, i) => (i % 2 === 0 ? { call: [{ name: 'status', args: {} }] } : { say: 'all healthy' }));
  const { stack, bot } = await startBenchStack((c) => ({ ...c, chat: { ...c.chat, model: { name: 'gpt-4o-mini', apiKey: 'bench', baseUrl: model.url } } }));
  try {
    const { chat } = bot;
    const total: number[] = [];
    const overhead: number[] = [];
    const modelTime: number[] = [];
    const turn = async (i: number) => {
      const began = performance.now();
      const answer = await chat.turn('is everything healthy?', caller, `bench-${i % 20}`);
      const took = performance.now() - began;
      if (answer.reply.title !== 'all healthy') throw new Error(`unexpected answer: ${answer.reply.title}`);
      return { took, modelMs: answer.stats!.modelMs };
    };
    for (let i = 0; i < 30; i++) await turn(i);
    const began = performance.now();
    for (let i = 0; i < 300; i++) {
      const { took, modelMs } = await turn(i);
      total.push(took);
      modelTime.push(modelMs);
      overhead.push(took - modelMs);
    }
    const wall = performance.now() - began;
    const own = figures(overhead, wall);
    return [
      row('chat turn, total (2 model calls, 1 tool)', figures(total, wall)),
      row('  of which in the model client + fake model', figures(modelTime, wall)),
      row("  fleetbot's own overhead", own),
      `overhead p50 ${own.p50.toFixed(2)} ms (target < 20 ms)`,
    ];
  } finally {
    await stack.stop();
    await model.close();
  }
}
