import { z } from 'zod';
import { argSpecs, usage, type Command } from './index.js';

const args = z.object({
  command: z.string().max(100).optional().describe('Show the arguments of this command'),
});

export default {
  name: 'help',
  description: 'The commands and their arguments',
  args,
  permission: 'read',
  async run(ctx, { command }) {
    if (command) {
      const found = ctx.commands.find((c) => c.name === command.replace(/^[/!]/, ''));
      if (!found) return { tone: 'error', title: `no command \`${command}\` — type help for the list` };
      const lines = argSpecs(found).map((a) => {
        const facts = [a.type, a.required ? 'required' : 'optional'];
        if (a.default !== undefined) facts.push(`default ${String(a.default)}`);
        if (a.choices) facts.push(`one of ${a.choices.join(', ')}`);
        return `  ${a.name} (${facts.join(', ')}): ${a.description}`;
      });
      return {
        tone: 'info',
        title: usage(found),
        body: [found.description, `needs: ${found.permission}`, ...(lines.length ? ['arguments:', ...lines] : [])].join('\n'),
      };
    }
    return {
      tone: 'info',
      title: `${ctx.commands.length} commands — type them with or without a leading / (help <command> for details)`,
      table: {
        columns: ['command', 'needs', 'what it does'],
        rows: ctx.commands.map((c) => ({ cells: [usage(c), c.permission, c.description] })),
      },
    };
  },
} satisfies Command<typeof args>;
