import type { Socket } from 'node:net';
import type { RedisClient } from '@hookrelay/queue';

/**
 * Holds what this turn of the event loop writes to `connection`'s socket, then writes it all at
 * once when the turn's synchronous work and promise callbacks are done. A delivered attempt's feed
 * entry (docs/events.md) is sent just before the processor returns, and BullMQ sends the job's
 * completion on the same connection in the promise callbacks that follow: both then leave in one
 * write(2), and Redis still runs them in the order they were sent. A Cluster client, which has no
 * one socket, or one not connected, is left alone.
 */
export function coalesceWrites(connection: RedisClient): void {
  const { stream } = connection as Partial<{ stream: Socket }>;
  if (!stream || stream.destroyed || typeof stream.cork !== 'function') return;
  stream.cork();
  process.nextTick(() => stream.uncork());
}
