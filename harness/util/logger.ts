/**
 * Every line the harness prints or stores goes through a Logger, which masks registered secrets.
 * Secrets are registered as soon as they are read from the environment.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

export function redactDeep<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(prefix: string): Logger;
}

export function createLogger(opts: { level?: LogLevel; write?: (line: string) => void; prefix?: string } = {}): Logger {
  const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  const min = order.indexOf(opts.level ?? (process.env.DRDRILL_LOG_LEVEL as LogLevel | undefined) ?? 'info');
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const make = (prefix: string): Logger => {
    const emit = (level: LogLevel, msg: string) => {
      if (order.indexOf(level) < min) return;
      write(redact(`${prefix ? `[${prefix}] ` : ''}${level === 'info' ? '' : level + ': '}${msg}`));
    };
    return {
      debug: (m) => emit('debug', m),
      info: (m) => emit('info', m),
      warn: (m) => emit('warn', m),
      error: (m) => emit('error', m),
      child: (p) => make(prefix ? `${prefix}/${p}` : p),
    };
  };
  return make(opts.prefix ?? '');
}

export const silentLogger: Logger = createLogger({ write: () => {} });
