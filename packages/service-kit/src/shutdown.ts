import type { Logger } from '@hookrelay/logger';

/**
 * Runs `cleanup` once on SIGTERM or SIGINT, then exits. A second signal, or `timeoutMs` passing,
 * exits at once: graceful, but never stuck.
 */
export function onShutdown(logger: Logger, cleanup: () => Promise<void>, timeoutMs = 30_000): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn('second signal, exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    const timer = setTimeout(() => {
      logger.error('shutdown timed out', { timeoutMs });
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    cleanup().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
