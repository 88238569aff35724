import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Reply } from '../../commands/index.js';
import type { Caller } from '../../security/permissions.js';
import { confirmationText, type PendingConfirmation } from '../dispatch.js';
import { renderText } from '../reply-text.js';
import type { Roads } from '../surface.js';

/**
 * The console chat: one request per line on stdin — a command, or plain words for the chat — each reply on stdout.
 * Requests typed here are the operator's own (origin `console`): they run at once, so scripts can pipe into it. A
 * change the chat proposes waits for a `yes` on the next line. In a terminal it prompts; from a pipe it prints
 * replies only, in order, and returns at the end of input once every reply is out. Notices reach it through its sink.
 */

export interface ConsoleOptions {
  bot: Roads;
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
  const ask = async (c: PendingConfirmation) => {
    await say({ tone: 'warn', title: c.question, body: confirmationText(c) });
    await write(output, `type yes to confirm, anything else cancels\n`);
    return c.id;
  };
  // Ctrl-C at the prompt ends the session the same way as end of input: an orderly shutdown.
  rl.on('SIGINT', () => rl.close());
  let pending: string | undefined;
  if (interactive) rl.prompt();
  for await (const line of rl) {
    if (/^\s*(exit|quit)\s*$/i.test(line)) break;
    if (pending) {
      // The line after a confirmation prompt answers it: yes runs it, anything else cancels.
      const answer = await bot.dispatcher.answer(pending, caller, YES.test(line) ? 'confirm' : 'cancel');
      pending = undefined;
      if (answer.kind === 'confirmed') await say(await answer.run());
      else if (answer.kind === 'refused') await say(answer.reply);
      else await say({ tone: 'info', title: answer.kind === 'expired' ? 'that confirmation expired — ask again' : 'cancelled' });
    } else if (isCommand(line, bot, caller)) {
      const request = bot.dispatcher.parseLine(line, caller, 'console', 'console');
      const outcome = 'tone' in request ? { kind: 'reply' as const, reply: request } : await bot.dispatcher.handle(request);
      if (outcome.kind === 'confirm') pending = await ask(outcome.confirmation);
      else await say(outcome.reply);
    } else {
      const { reply, confirmation } = await bot.chat.turn(line, caller, 'console');
      if (confirmation) pending = await ask(confirmation);
      else await say(reply);
    }
    if (interactive) rl.prompt();
  }
  rl.close();
}

/**
 * `/x`, `!x`, an empty line, or a line that reads as a command without the `/` — its first word a command, the rest
 * its arguments: a command. Anything else is plain words for the chat, so "restart price feed" is understood.
 */
function isCommand(line: string, bot: Roads, caller: Caller): boolean {
  const trimmed = line.trim();
  if (!trimmed || /^[/!]/.test(trimmed)) return true;
  if (bot.dispatcher.command(trimmed.split(/\s+/, 1)[0]!.toLowerCase()) === undefined) return false;
  return !('tone' in bot.dispatcher.parseLine(trimmed, caller, 'console'));
}

function write(output: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => output.write(text, (error) => (error ? reject(error) : resolve())));
}
