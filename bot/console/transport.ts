import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Worker } from 'bullmq';
import { describeOpportunity } from '../../defi/describe.js';
import type { RedisHub } from '../../queues/connection.js';
import { notifyQueue } from '../../queues/notify.js';
import { startWorker } from '../../queues/typed-queue.js';
import type { Caller } from '../../security/permissions.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Dispatcher } from '../dispatch.js';
import { renderText } from './render.js';

/**
 * The console chat: one request per line on stdin, each reply on stdout. In a terminal it prompts and also shows
 * notifications (alerts, healing) as they come; from a pipe it prints replies only, in order, and returns at the end
 * of input once every reply is out.
 */

export interface ConsoleOptions {
  dispatcher: Dispatcher;
  caller: Caller;
  input?: Readable & { isTTY?: boolean };
  output?: Writable;
}

export async function runConsole({ dispatcher, caller, input = process.stdin, output = process.stdout }: ConsoleOptions): Promise<void> {
  const interactive = input.isTTY === true;
  const rl = createInterface({ input, output: interactive ? output : undefined, terminal: interactive, prompt: 'fleetbot> ' });
  // Ctrl-C at the prompt ends the session the same way as end of input: an orderly shutdown.
  rl.on('SIGINT', () => rl.close());
  if (interactive) rl.prompt();
  for await (const line of rl) {
    if (/^\s*(exit|quit)\s*$/i.test(line)) break;
    const reply = await dispatcher.dispatchLine(line, caller, 'console');
    await write(output, renderText(reply, { colour: interactive }) + '\n');
    if (interactive) rl.prompt();
  }
  rl.close();
}

function write(output: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => output.write(text, (error) => (error ? reject(error) : resolve())));
}

/** Prints alerts, healing notices and arbitrage findings in an interactive console; from a pipe they are only logged. */
export function consoleNotices(hub: RedisHub, log: Logger, output: Writable, interactive: boolean): Worker {
  const show = (line: string) => {
    if (interactive) output.write(`\n${line}\n`);
    else log.info(line);
  };
  return startWorker(
    notifyQueue,
    hub,
    {
      async alert(a) {
        show(`${a.status === 'firing' ? (a.severity === 'critical' ? '✖' : '!') : '✔'} ${a.title}${a.detail ? ` — ${a.detail}` : ''}`);
      },
      async healing(h) {
        show(`✚ ${h.title}`);
      },
      async finding(f) {
        if (f.type === 'opportunity') show(`$ ${describeOpportunity(f.opportunity)}`);
        else if (f.type === 'execution') show(`${f.ok ? '✔' : '✖'} execute ${f.opportunity.id}: ${f.detail}`);
        else show([`• ${f.title}`, ...f.lines].join('\n'));
      },
      async audit() {
        // The console user sees each reply directly; the audit stream keeps the record.
      },
    },
    { concurrency: 1, log },
  );
}
