import type { Logger } from '@hookrelay/logger';
import type { EventLog } from '@hookrelay/queue';

/** How often the worker trims the event log's indexes (each trim's work is bounded, see EventLog.trim). */
export const EVENT_LOG_TRIM_INTERVAL_MS = 60_000;

/**
 * Trims the event log's indexes now and every `intervalMs` until stopped: each worker process does
 * it, which is harmless (a trim removes only what is gone) and needs no election. Returns `stop`.
 */
export function startEventLogTrim(
  eventLog: EventLog,
  sources: readonly string[],
  logger: Logger,
  intervalMs = EVENT_LOG_TRIM_INTERVAL_MS,
): () => void {
  let running = false;
  const trim = async () => {
    if (running) return;
    running = true;
    try {
      const removed = await eventLog.trim(sources);
      if (removed > 0) logger.debug('event log trimmed', { removed });
    } catch (error) {
      logger.warn('event log trim failed', { reason: (error as Error).message });
    } finally {
      running = false;
    }
  };
  void trim();
  const timer = setInterval(() => void trim(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
