/**
 * 429s on demand. A test names the calls to refuse (method + path pattern) and how long to wait; the answer carries the
 * headers @discordjs/rest reads (`Retry-After`, `X-RateLimit-*`), so discord.js waits and retries by itself.
 */

export interface RateLimitMatch {
  method?: string;
  /** Matched against the path after `/api/v10`, with `%40original` decoded, e.g. `/channels/123/messages`. */
  path: RegExp;
}
export interface RateLimitOptions {
  /**
   * Sent as given in both `retry_after` and `Retry-After` (Discord rounds the header up to whole seconds; a fraction
   * keeps tests fast, and discord.js accepts it).
   */
  retryAfterSeconds: number;
  /** How many matching calls to refuse; 1 by default. */
  times?: number;
  /** A global limit: discord.js then holds every route, not only this one. */
  global?: boolean;
}
export interface RateLimitAnswer {
  headers: Record<string, string>;
  body: { message: string; retry_after: number; global: boolean };
}

interface Rule extends RateLimitMatch, Required<RateLimitOptions> {
  bucket: string;
}

export class RateLimits {
  readonly #rules: Rule[] = [];
  #buckets = 0;

  add(match: RateLimitMatch, options: RateLimitOptions): void {
    this.#rules.push({ ...match, times: 1, global: false, ...options, bucket: `fake-bucket-${++this.#buckets}` });
  }

  /** Uses up one refusal of the first rule matching this call, if any. */
  take(method: string, path: string): RateLimitAnswer | undefined {
    const rule = this.#rules.find((r) => r.times > 0 && (r.method === undefined || r.method.toUpperCase() === method) && r.path.test(path));
    if (!rule) return undefined;
    rule.times -= 1;
    const wait = String(rule.retryAfterSeconds);
    const headers: Record<string, string> = rule.global
      ? { 'retry-after': wait, 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' }
      : {
          'retry-after': wait,
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Date.now() / 1000 + rule.retryAfterSeconds),
          'x-ratelimit-reset-after': wait,
          'x-ratelimit-bucket': rule.bucket,
          'x-ratelimit-scope': 'user',
        };
    return { headers, body: { message: 'You are being rate limited.', retry_after: rule.retryAfterSeconds, global: rule.global } };
  }
}
