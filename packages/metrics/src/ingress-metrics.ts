import { Counter, Histogram, type Registry } from 'prom-client';

/** Latency buckets for the ingress acknowledgement: it must stay far below providers' timeouts. */
const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export type IngressOutcome = 'accepted' | 'duplicate' | 'rejected' | 'unavailable';

export interface IngressMetrics {
  /** One request answered: `code` is the rejection code, '' otherwise. */
  observe(source: string, outcome: IngressOutcome, code: string, ackSeconds: number): void;
  /** An accepted event lacked the order key of a destination with `orderBy` (docs/ordering.md). */
  unordered(source: string, destination: string): void;
}

export function ingressMetrics(registry: Registry): IngressMetrics {
  const requests = new Counter({
    name: 'hookrelay_ingress_requests_total',
    help: 'Webhook requests answered by the ingress, by source, outcome and rejection code.',
    labelNames: ['source', 'outcome', 'code'],
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'hookrelay_ingress_ack_duration_seconds',
    help: 'Time from receiving a webhook to answering it, by source.',
    labelNames: ['source'],
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  const unordered = new Counter({
    name: 'hookrelay_unordered_events_total',
    help: 'Events accepted without the order key of a destination with orderBy, delivered unordered.',
    labelNames: ['source', 'destination'],
    registers: [registry],
  });
  // prom-client hashes a label object on every call; a request's labels repeat, so each set's
  // child is looked up once and kept (the label values are bounded: sources × outcomes × codes).
  const requestCounters = new Map<string, { inc(): void }>();
  const ackHistograms = new Map<string, { observe(value: number): void }>();
  return {
    observe(source, outcome, code, ackSeconds) {
      const key = `${source}\n${outcome}\n${code}`;
      let counter = requestCounters.get(key);
      if (!counter)
        requestCounters.set(key, (counter = requests.labels({ source, outcome, code })));
      counter.inc();
      let histogram = ackHistograms.get(source);
      if (!histogram) ackHistograms.set(source, (histogram = ack.labels({ source })));
      histogram.observe(ackSeconds);
    },
    unordered(source, destination) {
      unordered.inc({ source, destination });
    },
  };
}
