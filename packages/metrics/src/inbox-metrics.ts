import { Counter, Gauge, type Registry } from 'prom-client';
import { InboxKeys, type RedisClient } from '@hookrelay/queue';

/**
 * The ingress's inbox (docs/inbox.md): events acknowledged and not yet turned into delivery jobs,
 * read from Redis at scrape time (two LLENs), and the events the intake of this process turned
 * into jobs. Returns what the intake calls after each batch.
 */
export function inboxMetrics(
  registry: Registry,
  connection: RedisClient,
  prefix: string,
): (events: number) => void {
  const keys = new InboxKeys(prefix);
  new Gauge({
    name: 'hookrelay_inbox_events',
    help: 'Events acknowledged by the ingress and not yet turned into delivery jobs by an intake.',
    registers: [registry],
    async collect() {
      const [waiting, taking] = await Promise.all([
        connection.llen(keys.inbox()),
        connection.llen(keys.taking()),
      ]).catch(() => [Number.NaN, 0]);
      this.set(waiting! + taking!);
    },
  });
  const written = new Counter({
    name: 'hookrelay_intake_events_total',
    help: 'Events this process’s intake turned into delivery jobs.',
    registers: [registry],
  });
  return (events) => written.inc(events);
}
