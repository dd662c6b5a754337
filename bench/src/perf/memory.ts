/**
 * Section 4 of `npm run bench`, Redis bytes per retained event: on a fresh durable Redis, --events
 * Stripe events queued through the real ingress process (no worker running), then delivered by the
 * real worker process (delivered jobs are retained, 24 h by default). Redis's used_memory (INFO
 * memory, read with every other client gone) is taken empty, once the events are queued, and once
 * they are delivered; each delta over the events is the bytes one event costs in that state, shown
 * beside the body's size. The breakdown: MEMORY USAGE of every key summed by kind
 * (kit/redis-inspector.ts, as event-log-cost.ts does), and of one event's job hash (none while
 * queued with the inbox of docs/inbox.md: the worker's intake makes the jobs). One run (Redis's
 * memory does not vary from round to round as speed does).
 *   npm run bench -- --sections memory [--events 20000]
 */
import { Backend } from '../kit/backend.js';
import { PREFIX, writeRelayConfig } from '../kit/hookrelay-apps.js';
import { progress } from '../kit/progress.js';
import { quietRedis, ready, startRedis } from '../kit/redis.js';
import { keyKinds, RedisInspector, sumBytes, type UsageByKind } from '../kit/redis-inspector.js';
import { drainWith, enqueueThroughIngress } from '../kit/relay-steps.js';
import { num, table } from '../kit/table.js';
import type { BenchRun } from './context.js';

/** Per event: bytes of each kind of key, biggest first. */
function perEventByKind(byKind: UsageByKind, events: number) {
  return Object.fromEntries(
    [...byKind.entries()]
      .sort(([, a], [, b]) => b.bytes - a.bytes)
      .map(([kind, { keys, bytes }]) => [
        kind,
        { keys, bytesPerEvent: Math.round(bytes / events) },
      ]),
  );
}

/**
 * MEMORY USAGE of the first job hash of the queue's `list` (`wait`, `completed`); null when there
 * is none (with the inbox, queued events are not jobs yet).
 */
async function oneJobHash(
  inspector: RedisInspector,
  queue: string,
  command: 'LRANGE' | 'ZRANGE',
  list: string,
): Promise<number | null> {
  const [jobId] = (await inspector.client.call(
    command,
    `${PREFIX}:${queue}:${list}`,
    '0',
    '0',
  )) as string[];
  return jobId === undefined ? null : inspector.usage(`${PREFIX}:${queue}:${jobId}`);
}

export async function memorySection(run: BenchRun) {
  const { workspace, options } = run;
  const events = options.events;
  const redis = await startRedis();
  try {
    const backend = await Backend.start(workspace);
    try {
      const setup = await writeRelayConfig(workspace, redis.url, backend.url);
      const queue = setup.queues[0]!;
      const kinds = keyKinds(PREFIX, queue);
      const inspector = new RedisInspector(
        quietRedis(setup.config.redis, 'consumer', 'bench-memory'),
      );
      try {
        await ready(inspector.client);
        const empty = await inspector.usedMemory();

        const enqueued = await enqueueThroughIngress(
          workspace,
          setup,
          run.requestsFor(setup.ingressPort),
          events,
          options.connections,
        );
        const accepted = enqueued.load.status['2xx'];
        if (accepted !== events)
          run.problem(
            `memory: the ingress accepted ${accepted} of ${events} events, the first refusal: ${enqueued.load.firstRefusal ?? '?'}`,
          );
        const queuedBytes = (await inspector.usedMemory()) - empty;
        const queuedKinds = await inspector.usageByKind(kinds);
        const queuedJobHash = await oneJobHash(inspector, queue, 'LRANGE', 'wait');
        progress(`memory: ${accepted} queued, ${Math.round(queuedBytes / events)} bytes per event`);

        const drained = await drainWith(workspace, 'hookrelay', setup, backend, accepted);
        if (!drained.complete || drained.delivered !== accepted)
          run.problem(
            `memory: ${accepted - drained.delivered} of ${accepted} events not delivered`,
          );
        const deliveredBytes = (await inspector.usedMemory()) - empty;
        const deliveredKinds = await inspector.usageByKind(kinds);
        const deliveredJobHash = await oneJobHash(inspector, queue, 'ZRANGE', 'completed');
        progress(
          `memory: ${drained.delivered} delivered, ${Math.round(deliveredBytes / events)} bytes per event`,
        );

        const bodyBytes = enqueued.load.bodyBytes;
        const state = (bytes: number, byKind: UsageByKind, jobHash: number | null) => ({
          usedMemoryDelta: bytes,
          bytesPerEvent: Math.round(bytes / events),
          timesBody: +(bytes / events / bodyBytes).toFixed(1),
          oneJobHash: jobHash,
          byKind: perEventByKind(byKind, events),
          /** What the per-kind sum leaves out: the keyspace's own tables (expiry entries, buckets). */
          keyspaceOverheadPerEvent: Math.round((bytes - sumBytes(byKind)) / events),
        });
        const queued = state(queuedBytes, queuedKinds, queuedJobHash);
        const delivered = state(deliveredBytes, deliveredKinds, deliveredJobHash);
        const kindRows = [
          ...new Set([...Object.keys(queued.byKind), ...Object.keys(delivered.byKind)]),
        ];
        const text = [
          table(
            `4. Redis bytes per event: ${num(events)} events of ${bodyBytes} bytes (body), durable Redis, ` +
              'used_memory delta ÷ events',
            ['state', 'bytes/event', '× body', 'one job hash', 'keyspace overhead'],
            [
              [
                'queued, not delivered',
                num(queued.bytesPerEvent),
                num(queued.timesBody, 1),
                num(queued.oneJobHash),
                num(queued.keyspaceOverheadPerEvent),
              ],
              [
                'delivered (retained 24 h)',
                num(delivered.bytesPerEvent),
                num(delivered.timesBody, 1),
                num(delivered.oneJobHash),
                num(delivered.keyspaceOverheadPerEvent),
              ],
            ],
          ),
          table(
            '   by kind of key (MEMORY USAGE summed, bytes per event)',
            ['kind', 'queued', 'delivered'],
            kindRows.map((kind) => [
              kind,
              num(queued.byKind[kind]?.bytesPerEvent),
              num(delivered.byKind[kind]?.bytesPerEvent),
            ]),
          ),
        ].join('\n');
        return {
          text,
          json: {
            events,
            bodyBytes,
            requestBytes: enqueued.load.requestBytes,
            emptyUsedMemory: empty,
            queued,
            delivered,
          },
        };
      } finally {
        inspector.client.disconnect();
      }
    } finally {
      await backend.stop();
    }
  } finally {
    await redis.cleanup();
  }
}
