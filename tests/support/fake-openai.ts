import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible server for tests: `POST /v1/chat/completions` answers from a script — text, tool calls,
 * an HTTP error, or never — so the real `ChatOpenAI` client runs real tool calling against it.
 * Opens a listening socket on 127.0.0.1; `close()` ends it.
 */

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  tools?: { type: 'function'; function: { name: string; description: string; parameters: unknown } }[];
}

export type Step =
  | { say: string }
  | { call: { name: string; args: Record<string, unknown> }[] }
  | { status: number; message: string }
  | 'hang';

export type Script = (request: ChatRequest, index: number) => Step;

export interface FakeOpenAI {
  /** Base URL for `OPENAI_BASE_URL` / ChatOpenAI `configuration.baseURL`. */
  url: string;
  /** The requests since the script was last set. */
  requests: ChatRequest[];
  /** Answers from now on with `script`, counting calls from 0 again. */
  use(script: Script): void;
  close(): Promise<void>;
}

/** The text of the latest tool results in a request (what the bot sent back to the model). */
export function toolResults(request: ChatRequest): string[] {
  const last = request.messages.map((m) => m.role).lastIndexOf('assistant');
  return request.messages.slice(last + 1).filter((m) => m.role === 'tool').map((m) => m.content ?? '');
}

async function body(req: IncomingMessage): Promise<string> {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data;
}

export async function startFakeOpenAI(script: Script): Promise<FakeOpenAI> {
  let calls = 0;
  let current = script;
  const hanging = new Set<() => void>();
  const fake: FakeOpenAI = {
    url: '',
    requests: [],
    use(next) {
      current = next;
      calls = 0;
      fake.requests = [];
    },
    close: async () => {},
  };
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    const request = JSON.parse(await body(req)) as ChatRequest;
    fake.requests.push(request);
    const step = current(request, calls++);
    if (step === 'hang') {
      hanging.add(() => res.destroy());
      return;
    }
    if ('status' in step) {
      res.writeHead(step.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: step.message, type: 'server_error' } }));
      return;
    }
    const message =
      'say' in step
        ? { role: 'assistant', content: step.say }
        : {
            role: 'assistant',
            content: null,
            tool_calls: step.call.map((c, i) => ({ id: `call_${calls}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })),
          };
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${calls}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message, finish_reason: 'say' in step ? 'stop' : 'tool_calls' }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = async () => {
    for (const end of hanging) end();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
