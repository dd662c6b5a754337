import { Counter, Gauge, type Registry } from 'prom-client';

export type SpoolOutcome = 'spooled' | 'drained' | 'duplicate' | 'corrupt';

export interface SpoolMetrics {
  /** One record spooled, drained into Redis, found a duplicate there, or unreadable and skipped. */
  records(outcome: SpoolOutcome): void;
}

/** What the metrics read of the spool at scrape time. */
export interface SpoolGauges {
  readonly pending: number;
  readonly bytes: number;
}

/** The ingress's local spool (docs/spool.md). */
export function spoolMetrics(registry: Registry, spool: SpoolGauges): SpoolMetrics {
  const records = new Counter({
    name: 'hookrelay_spool_records_total',
    help: 'Spool records by outcome: spooled (Redis away), drained into Redis, duplicate there, corrupt (skipped).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  new Gauge({
    name: 'hookrelay_spool_events',
    help: 'Events acknowledged into the local spool and not yet drained into Redis.',
    registers: [registry],
    collect() {
      this.set(spool.pending);
    },
  });
  new Gauge({
    name: 'hookrelay_spool_bytes',
    help: 'Bytes of the local spool’s files on disk.',
    registers: [registry],
    collect() {
      this.set(spool.bytes);
    },
  });
  const children = new Map<SpoolOutcome, { inc(): void }>();
  return {
    records(outcome) {
      let child = children.get(outcome);
      if (!child) children.set(outcome, (child = records.labels({ outcome })));
      child.inc();
    },
  };
}
