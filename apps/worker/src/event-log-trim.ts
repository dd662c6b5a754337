import type { Logger } from '@hookrelay/logger';
import type { EventLog } from '@hookrelay/queue';

/** How often the worker trims the event log's indexes (each trim's work is bounded, see EventLog.trim). */
export const EVENT_LOG_TRIM_INTERVAL_MS = 60_000;

/**
 * Trims the event log's indexes now and every `intervalMs` until stopped: each worker process does
 * it, which is harmless (a trim removes only what is gone) and needs no election; a turn that
 * finds Redis not `ready` is skipped. Returns `stop`.
 */
export function startEventLogTrim(
  eventLog: EventLog,
  sources: readonly string[],
  logger: Logger,
  ready: () => boolean,
  intervalMs = EVENT_LOG_TRIM_INTERVAL_MS,
): () => void {
  let running = false;
  const trim = async () => {
    // Never queued while Redis is away: a queued command would hold up the connection's QUIT.
    if (running || !ready()) return;
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
