import { REDACTED, redact, sensitiveKeys, type SensitiveKey } from './redact.js';

export { redact, REDACTED, sensitiveKeys, type SensitiveKey } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogMeta = Readonly<Record<string, unknown>>;

export interface Logger {
  error(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  debug(message: string, meta?: LogMeta): void;
  isDebugEnabled(): boolean;
}

const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface LoggerOptions {
  readonly app: string;
  readonly level?: string;
  /** Where lines go, one write per line; defaults to stdout. Tests pass a stream to capture them. */
  readonly stream?: NodeJS.WritableStream;
  readonly silent?: boolean;
  /**
   * Header names masked besides the keys any secret has (`secret`, `token`, `signature`…): the
   * providers' own, `REDACTED_HEADERS` of @hookrelay/verifiers. Compared in any case.
   */
  readonly redactKeys?: readonly string[];
}

/**
 * Lines for stdout: the first of each turn of the event loop is written at once (a `listening`
 * line is out before anyone can connect), the ones after it in the same turn together at its end.
 * A busy ingress answers many requests per turn, and one write(2) per line cost more than the line.
 * Flushed on exit.
 */
class StdoutBatch {
  private pending = '';
  private turnStarted = false;

  constructor() {
    process.on('exit', () => this.flush());
  }

  write(line: string): void {
    if (!this.turnStarted) {
      this.turnStarted = true;
      setImmediate(() => this.endTurn());
      return this.out(line);
    }
    this.pending += line;
    if (this.pending.length > 65_536) this.flush();
  }

  private endTurn(): void {
    this.turnStarted = false;
    this.flush();
  }

  private flush(): void {
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.out(text);
  }

  private out(text: string): void {
    // Synchronous for files, and for pipes on Linux (Node's documentation, "A note on process I/O").
    process.stdout.write(text);
  }
}

let stdout: StdoutBatch | undefined;

function lineOf(
  level: LogLevel,
  app: string,
  message: string,
  meta: LogMeta | undefined,
  sensitive: SensitiveKey,
): string {
  const entry: Record<string, unknown> = {
    timestamp: new Date().toISOString(),
    level,
    app,
    message,
  };
  if (meta)
    for (const key in meta) {
      if (key === 'timestamp' || key === 'level' || key === 'app' || key === 'message') continue;
      entry[key] = sensitive(key) ? REDACTED : redact(meta[key], sensitive);
    }
  try {
    return `${JSON.stringify(entry)}\n`;
  } catch (error) {
    return `${JSON.stringify({ timestamp: entry.timestamp, level, app, message, logError: String(error) })}\n`;
  }
}

/**
 * One JSON line per event — timestamp, level, app, message and whatever ids the call site adds —
 * with every secret redacted (docs: README "Logs"): a key named like a secret, or one of
 * `redactKeys`, has its value replaced at any depth; an Error becomes its name and message.
 */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = SEVERITY[(options.level ?? 'info') as LogLevel] ?? SEVERITY.info;
  const sensitive = sensitiveKeys(options.redactKeys);
  const { app, stream } = options;
  const write = stream
    ? (line: string) => void stream.write(line)
    : (line: string) => (stdout ??= new StdoutBatch()).write(line);
  const at = (level: LogLevel) =>
    options.silent || SEVERITY[level] > threshold
      ? () => undefined
      : (message: string, meta?: LogMeta) => write(lineOf(level, app, message, meta, sensitive));
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    isDebugEnabled: () => !options.silent && threshold >= SEVERITY.debug,
  };
}
