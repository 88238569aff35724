import { redact } from '../security/redact.js';

/** Plain logfmt-style lines on stderr, redacted: stdout stays free for the console chat. */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const satisfies Record<LogLevel, number>;

type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(scope: string): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  scope?: string;
  /** Off when a supervisor (the process backend, Docker) stamps each line already. */
  timestamps?: boolean;
  write?: (line: string) => void;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[\w.:/@-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

export function createLogger({ level, scope = 'fleetbot', timestamps = true, write = (line) => process.stderr.write(line) }: LoggerOptions): Logger {
  const threshold = LEVELS[level];
  const log = (lvl: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (LEVELS[lvl] < threshold) return;
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}=${formatValue(v)}`)
      .join('');
    const stamp = timestamps ? `${new Date().toISOString()} ` : '';
    write(redact(`${stamp}${lvl.toUpperCase().padEnd(5)} ${scope}: ${message}${extra}`) + '\n');
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (child) => createLogger({ level, scope: `${scope}/${child}`, timestamps, write }),
  };
}
