import type { IncomingMessage } from 'node:http';
import { discordError } from './errors.js';
import { MAX_UPLOAD_BYTES } from './limits.js';

/** Request bodies as discord.js sends them: JSON, or multipart with `payload_json` and `files[n]` when uploading. */

export interface UploadedFile {
  /** The form field, e.g. `files[0]`; its index matches the `id` of an entry in the payload's `attachments`. */
  field: string;
  filename: string;
  contentType: string;
  content: Buffer;
}
export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  if (raw.length === 0) return { json: undefined, files: [] };
  if (contentType?.startsWith('multipart/form-data')) return parseMultipart(contentType, raw);
  try {
    return { json: JSON.parse(raw.toString('utf8')), files: [] };
  } catch {
    throw discordError('invalidJson');
  }
}

/** Node's own multipart parser (the fetch API's `Response.formData()`), so the fake reads the bytes undici wrote. */
async function parseMultipart(contentType: string, raw: Buffer): Promise<ParsedBody> {
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  const payload = form.get('payload_json');
  let json: unknown;
  try {
    json = typeof payload === 'string' ? JSON.parse(payload) : undefined;
  } catch {
    throw discordError('invalidJson');
  }
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') continue;
    files.push({ field, filename: value.name, contentType: value.type, content: Buffer.from(await value.arrayBuffer()) });
  }
  if (files.reduce((sum, file) => sum + file.content.length, 0) > MAX_UPLOAD_BYTES) throw discordError('entityTooLarge');
  return { json, files };
}
