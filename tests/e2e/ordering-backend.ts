import { createServer } from 'node:http';
import { listen } from '@hookrelay/testing';

/** One request as the ordering backend saw it: which key and which event of it, and the answer. */
export interface OrderedHit {
  readonly key: string;
  readonly n: number;
  readonly id: string;
  readonly attempt: number;
  readonly arrivedAt: number;
  answeredAt?: number;
  status?: number;
}

export interface OrderingBackend {
  readonly url: string;
  readonly hits: OrderedHit[];
  /** Requests in flight at once, per key and across keys, at their peak. */
  readonly peak: { inFlight: number; keysInFlight: number };
  close(): Promise<void>;
}

/**
 * A backend on node:http for ordering tests: each body is `{"key","n"}`; `answer` decides the
 * status of each request (after `delayMs` of it), and every request is recorded with when it
 * arrived and when it was answered.
 */
export async function startOrderingBackend(
  answer: (hit: OrderedHit) => { status: number; delayMs?: number },
): Promise<OrderingBackend> {
  const hits: OrderedHit[] = [];
  const inFlight = new Map<string, number>();
  const peak = { inFlight: 0, keysInFlight: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { key, n } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        key: string;
        n: number;
      };
      const hit: OrderedHit = {
        key,
        n,
        id: String(request.headers['x-hookrelay-id']),
        attempt: Number(request.headers['x-hookrelay-attempt']),
        arrivedAt: performance.now(),
      };
      hits.push(hit);
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      const total = [...inFlight.values()].reduce((sum, count) => sum + count, 0);
      peak.inFlight = Math.max(peak.inFlight, total);
      peak.keysInFlight = Math.max(
        peak.keysInFlight,
        [...inFlight.values()].filter(Boolean).length,
      );
      const { status, delayMs = 0 } = answer(hit);
      const reply = () => {
        inFlight.set(key, inFlight.get(key)! - 1);
        hit.answeredAt = performance.now();
        hit.status = status;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ ok: status < 300 }));
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  const listening = await listen(server);
  return { url: listening.url, hits, peak, close: () => listening.close() };
}

/**
 * Requests that broke the order: a request for event n+1 of a key that arrived before event n was
 * answered 2xx (or, when n never was, before its last answer). Empty when the order held.
 */
export function orderViolations(hits: readonly OrderedHit[]): string[] {
  const byKey = new Map<string, OrderedHit[]>();
  for (const hit of hits) byKey.set(hit.key, [...(byKey.get(hit.key) ?? []), hit]);
  const violations: string[] = [];
  for (const [key, keyHits] of byKey) {
    const done = new Map<number, number>();
    for (const hit of keyHits) {
      if (hit.answeredAt === undefined) continue;
      const ok = hit.status! < 300;
      const previous = done.get(hit.n);
      if (ok || previous === undefined)
        done.set(hit.n, ok ? hit.answeredAt : Math.max(previous ?? 0, hit.answeredAt));
    }
    for (const hit of keyHits) {
      const before = done.get(hit.n - 1);
      if (hit.n > 1 && (before === undefined || hit.arrivedAt < before))
        violations.push(`${key}: event ${hit.n} arrived before event ${hit.n - 1} was answered`);
    }
  }
  return violations;
}
