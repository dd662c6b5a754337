import type { DeliveryQueues } from './delivery-queues.js';

export interface PauseResult {
  readonly source: string;
  readonly paused: boolean;
  readonly queues: string[];
}

/**
 * Holds every delivery of a source: its queues stop handing out jobs (deliveries in flight finish),
 * while the ingress keeps accepting and queuing. Replays made meanwhile wait too.
 */
export async function pauseSource(queues: DeliveryQueues, source: string): Promise<PauseResult> {
  const selected = queues.ofSource(source);
  await Promise.all(selected.map(({ queue }) => queue.pause()));
  return { source, paused: true, queues: selected.map(({ queue }) => queue.name) };
}

/** Releases a paused source: everything queued meanwhile is delivered, live events first. */
export async function resumeSource(queues: DeliveryQueues, source: string): Promise<PauseResult> {
  const selected = queues.ofSource(source);
  await Promise.all(selected.map(({ queue }) => queue.resume()));
  return { source, paused: false, queues: selected.map(({ queue }) => queue.name) };
}
