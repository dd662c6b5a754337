import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { HookrelayConfig } from '@hookrelay/config';
import { createRedis, EventEnqueuer } from '@hookrelay/queue';
import { listen } from '@hookrelay/testing';

/** One request the recording backend received. */
export interface Arrival {
  readonly path: string;
  readonly id: string;
  readonly attempt: number;
  readonly at: number;
}

/** What the backend answers a request with; `holdMs` keeps the request open that long first. */
export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly holdMs?: number;
}

export interface RecordingBackend {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** The most requests it was answering at once. */
  readonly maxInFlight: () => number;
  /** Decides each answer; default 200 at once. */
  answer: (arrival: Arrival) => Answer;
  /** Distinct event ids answered 2xx on `path` (all paths when omitted). */
  delivered(path?: string): Set<string>;
  close(): Promise<void>;
}

/** A backend on node:http that records when each request arrived and how many were open at once. */
export async function startRecordingBackend(): Promise<RecordingBackend> {
  const arrivals: Arrival[] = [];
  const ok = new Map<string, Set<string>>();
  let inFlight = 0;
  let maxInFlight = 0;
  const finish = (response: ServerResponse, answer: Answer, arrival: Arrival) => {
    if (answer.status >= 200 && answer.status < 300) {
      const set = ok.get(arrival.path) ?? new Set<string>();
      set.add(arrival.id);
      ok.set(arrival.path, set);
    }
    response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    response.end('ok');
  };
  const backend: RecordingBackend = {
    url: '',
    arrivals,
    maxInFlight: () => maxInFlight,
    answer: () => ({ status: 200 }),
    delivered(path) {
      if (path !== undefined) return ok.get(path) ?? new Set();
      return new Set([...ok.values()].flatMap((set) => [...set]));
    },
    close: () => Promise.resolve(),
  };
  const server = createServer((request, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.on('close', () => (inFlight -= 1));
    request.resume();
    const arrival: Arrival = {
      path: request.url ?? '',
      id: String(request.headers['x-hookrelay-id']),
      attempt: Number(request.headers['x-hookrelay-attempt']),
      at: Date.now(),
    };
    arrivals.push(arrival);
    const answer = backend.answer(arrival);
    if (answer.holdMs) setTimeout(() => finish(response, answer, arrival), answer.holdMs);
    else finish(response, answer, arrival);
  });
  server.keepAliveTimeout = 60_000;
  const listening = await listen(server);
  return Object.assign(backend, { url: listening.url, close: () => listening.close() });
}

export { busiestWindow } from '@hookrelay/demo-backend';

/** Writes `count` events of `source` straight to its queues, as the ingress would; returns their ids. */
export async function enqueueEvents(
  config: HookrelayConfig,
  source: string,
  count: number,
): Promise<string[]> {
  const producer = createRedis(config.redis, 'producer', 'test-enqueue');
  producer.on('error', () => undefined);
  await new Promise<void>((resolve) =>
    producer.status === 'ready' ? resolve() : producer.once('ready', () => resolve()),
  );
  const enqueuer = new EventEnqueuer(
    { ...config, ingress: { ...config.ingress, enqueueTimeoutMs: 30_000 } },
    producer,
  );
  const ids: string[] = [];
  try {
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => {
        const id = `evt_${randomUUID().replaceAll('-', '')}`;
        ids.push(id);
        return enqueuer.enqueue({
          id,
          source,
          requestId: `req-${i + j}`,
          receivedAt: Date.now(),
          headers: {},
          contentType: 'application/json',
          body: JSON.stringify({ n: i + j }),
          bodyEncoding: 'utf8',
        });
      });
      await Promise.all(batch);
    }
  } finally {
    await enqueuer.close();
    producer.disconnect();
  }
  return ids;
}
