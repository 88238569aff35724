import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Worker } from 'bullmq';
import { describeOpportunity } from '../../defi/describe.js';
import type { RedisHub } from '../../redis/hub.js';
import { notifyQueue } from '../../queues/notify.js';
import { startWorker } from '../../queues/typed-queue.js';
import type { Caller } from '../../security/permissions.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Reply } from '../../commands/index.js';
import { answerConfirmation } from '../confirmations.js';
import type { Bot } from '../roots.js';
import type { AlertBook } from '../notifier/alert-book.js';
import { renderText } from './render.js';

/**
 * The console chat: one request per line on stdin — a command, or plain words for the chat — each reply on stdout.
 * A change the chat proposes waits for a `yes` on the next line. In a terminal it prompts and also shows
 * notifications (alerts, healing) as they come; from a pipe it prints replies only, in order, and returns at the end
 * of input once every reply is out.
 */

export interface ConsoleOptions {
  bot: Bot;
  caller: Caller;
  /** Where pictures (charts) are saved, since a terminal cannot show them. */
  imageDir: string;
  input?: Readable & { isTTY?: boolean };
  output?: Writable;
}

const YES = /^\s*(?:y|yes|confirm)\s*$/i;

export async function runConsole({ bot, caller, imageDir, input = process.stdin, output = process.stdout }: ConsoleOptions): Promise<void> {
  const interactive = input.isTTY === true;
  const rl = createInterface({ input, output: interactive ? output : undefined, terminal: interactive, prompt: 'fleetbot> ' });
  const say = async (reply: Reply) => {
    await write(output, renderText(reply, { colour: interactive }) + '\n');
    if (reply.image) {
      mkdirSync(imageDir, { recursive: true });
      const file = path.join(imageDir, reply.image.filename);
      writeFileSync(file, reply.image.png);
      await write(output, `picture saved to ${file}\n`);
    }
  };
  // Ctrl-C at the prompt ends the session the same way as end of input: an orderly shutdown.
  rl.on('SIGINT', () => rl.close());
  let pending: string | undefined;
  if (interactive) rl.prompt();
  for await (const line of rl) {
    if (/^\s*(exit|quit)\s*$/i.test(line)) break;
    if (pending) {
      // The line after a confirmation prompt answers it: yes runs it, anything else cancels.
      const answer = await answerConfirmation(bot, pending, caller, YES.test(line) ? 'confirm' : 'cancel');
      pending = undefined;
      if (answer.kind === 'confirmed') await say(await answer.run());
      else if (answer.kind === 'refused') await say(answer.reply);
      else await say({ tone: 'info', title: answer.kind === 'expired' ? 'that confirmation expired — ask again' : 'cancelled' });
    } else if (isCommand(line, bot, caller)) {
      await say(await bot.dispatcher.dispatchLine(line, caller, 'console'));
    } else {
      const { reply, confirmation } = await bot.chat.turn(line, caller, 'console');
      await say(reply);
      if (confirmation) {
        pending = confirmation.id;
        await write(output, `type yes to confirm, anything else cancels\n`);
      }
    }
    if (interactive) rl.prompt();
  }
  rl.close();
}

/**
 * `/x`, `!x`, an empty line, or a line that reads as a command without the `/` — its first word a command, the rest
 * its arguments: a command. Anything else is plain words for the chat, so "restart price feed" is understood.
 */
function isCommand(line: string, bot: Bot, caller: Caller): boolean {
  const trimmed = line.trim();
  if (!trimmed || /^[/!]/.test(trimmed)) return true;
  if (bot.dispatcher.command(trimmed.split(/\s+/, 1)[0]!.toLowerCase()) === undefined) return false;
  return !('tone' in bot.dispatcher.parseLine(trimmed, caller, 'console'));
}

function write(output: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => output.write(text, (error) => (error ? reject(error) : resolve())));
}

/** Prints alerts, healing notices and arbitrage findings in an interactive console; from a pipe they are only logged. */
export function consoleNotices(hub: RedisHub, alerts: AlertBook, log: Logger, output: Writable, interactive: boolean): Worker {
  const show = (line: string) => {
    if (interactive) output.write(`\n${line}\n`);
    else log.info(line);
  };
  return startWorker(
    notifyQueue,
    hub,
    {
      async alert(a) {
        // The same rules as in Discord: new, reminders and resolved; not repeats, silenced or inhibited alerts.
        if (!(await alerts.accept(a)).post) return;
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
