import winston from 'winston';
import { REDACTED, redact, sensitiveKeys, type SensitiveKey } from './redact.js';

export { redact, REDACTED, sensitiveKeys, type SensitiveKey } from './redact.js';

export type Logger = winston.Logger;

const redactFormat = (sensitive: SensitiveKey) =>
  winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key === 'level' || key === 'message' || key === 'timestamp') continue;
      info[key] = sensitive(key) ? REDACTED : redact(info[key], sensitive);
    }
    return info;
  })();

export interface LoggerOptions {
  readonly app: string;
  readonly level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  readonly stream?: NodeJS.WritableStream;
  readonly silent?: boolean;
  /**
   * Header names masked besides the keys any secret has (`secret`, `token`, `signature`…): the
   * providers' own, `REDACTED_HEADERS` of @hookrelay/verifiers. Compared in any case.
   */
  readonly redactKeys?: readonly string[];
}

/** One JSON line per event, with timestamp, app and whatever ids the call site adds; secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent,
    defaultMeta: { app: options.app },
    format: winston.format.combine(
      winston.format.timestamp(),
      redactFormat(sensitiveKeys(options.redactKeys)),
      winston.format.json(),
    ),
    transports: [
      options.stream
        ? new winston.transports.Stream({ stream: options.stream })
        : new winston.transports.Console({ stderrLevels: [] }),
    ],
  });
}
