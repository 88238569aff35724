import type { Readable, Writable } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * MCP's stdio framing over the pipes of a process the fleet backend already runs. The SDK's StdioClientTransport
 * spawns its own child; here the backend owns the process (restarts, logs, exit codes) and the pool only talks.
 */
export class StreamTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();
  private closed = false;

  constructor(
    private readonly input: Writable,
    private readonly output: Readable,
  ) {}

  private readonly onData = (chunk: Buffer) => {
    try {
      this.buffer.append(chunk);
    } catch (error) {
      // Over the SDK's 10 MB line limit: the stream cannot be resynchronised.
      this.onerror?.(error as Error);
      void this.close();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a stray print): report it and go on with the next.
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) break;
      this.onmessage?.(message);
    }
  };
  private readonly onEnd = () => void this.close();
  private readonly onError = (error: Error) => this.onerror?.(error);

  async start(): Promise<void> {
    this.output.on('data', this.onData);
    this.output.once('end', this.onEnd);
    this.output.once('close', this.onEnd);
    this.output.on('error', this.onError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed || this.input.destroyed || !this.input.writable) return Promise.reject(new Error('the member process is gone'));
    return new Promise((resolve, reject) => {
      const ok = this.input.write(serializeMessage(message), (error) => (error ? reject(error) : undefined));
      if (ok) resolve();
      else this.input.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.output.off('data', this.onData);
    this.output.off('end', this.onEnd);
    this.output.off('close', this.onEnd);
    this.output.off('error', this.onError);
    this.buffer.clear();
    this.onclose?.();
  }
}
