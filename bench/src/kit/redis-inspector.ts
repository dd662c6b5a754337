/**
 * Reads a bench's Redis for its measurements (shared by perf/memory.ts and event-log-cost.ts):
 * used_memory once every other client is gone, CPU, MEMORY USAGE of one key, and of every key
 * summed by kind (a job hash, the event log's record, its indexes…). Not run on its own.
 */
import { EventLogKeys, type RedisClient } from '@hookrelay/queue';
import { infoField, redisCpuSeconds } from './redis.js';

/** Kinds of key, each the pattern its keys match; the first match wins, `other` for none. */
export type KeyKinds = readonly (readonly [string, RegExp])[];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The keys one delivery queue and the event log write, by kind; and, with the inbox of
 * docs/inbox.md, the inbox's lists and its de-duplication keys (literal here: packages before the
 * inbox have no InboxKeys).
 */
export function keyKinds(prefix: string, queue: string): KeyKinds {
  const keys = new EventLogKeys(prefix);
  const job = `${prefix}:${queue}:`;
  return [
    ['eventLog.record', new RegExp(`^${escape(keys.event(''))}`)],
    ['eventLog.bySource', new RegExp(`^${escape(keys.bySource(''))}`)],
    ['eventLog.byProviderId', new RegExp(`^${escape(keys.byProviderId(''))}`)],
    ['eventLog.feed', new RegExp(`^${escape(keys.feed())}$`)],
    ['eventLog.dead', new RegExp(`^${escape(keys.dead(''))}`)],
    ['eventLog.other', new RegExp(`^${escape(prefix)}:events:`)],
    ['inbox', new RegExp(`^${escape(prefix)}:inbox(:|$)`)],
    ['inbox.dedupe', new RegExp(`^${escape(prefix)}:dedupe:`)],
    ['bullmq.jobHash', new RegExp(`^${escape(job)}evt_[^:]+$`)],
    ['bullmq.jobLogs', new RegExp(`^${escape(job)}evt_[^:]+:logs$`)],
    ['bullmq.dedupe', new RegExp(`^${escape(`${job}de:`)}`)],
    ['bullmq.eventsStream', new RegExp(`^${escape(`${job}events`)}$`)],
    ['bullmq.queueSets', new RegExp(`^${escape(job)}[a-z-]+$`)],
  ];
}

export type UsageByKind = Map<string, { keys: number; bytes: number }>;

export class RedisInspector {
  constructor(readonly client: RedisClient) {}

  async info(section: string, field: string): Promise<number> {
    return infoField(String(await this.client.call('INFO', section)), field);
  }

  /** `redis_version` of INFO server. */
  async version(): Promise<string> {
    const info = String(await this.client.call('INFO', 'server'));
    return /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
  }

  /** used_memory once every other connection is gone (their buffers are in used_memory too). */
  async usedMemory(): Promise<number> {
    const deadline = performance.now() + 10_000;
    while ((await this.info('clients', 'connected_clients')) > 1) {
      if (performance.now() > deadline) throw new Error('other Redis connections stayed open');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.info('memory', 'used_memory');
  }

  /** Starts counting CPU, this process's and Redis's; the result is microseconds per event. */
  async cpuMeter(
    events: number,
  ): Promise<() => Promise<{ nodeCpuUsPerEvent: number; redisCpuUsPerEvent: number }>> {
    const node = process.cpuUsage();
    const redis = await redisCpuSeconds(this.client);
    return async () => {
      const { user, system } = process.cpuUsage(node);
      const redisUs = ((await redisCpuSeconds(this.client)) - redis) * 1e6;
      return {
        nodeCpuUsPerEvent: Math.round((user + system) / events),
        redisCpuUsPerEvent: Math.round(redisUs / events),
      };
    };
  }

  /** Bytes of one key, every element counted; 0 when there is none. */
  async usage(key: string): Promise<number> {
    return Number((await this.client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  }

  async flush(): Promise<void> {
    await this.client.call('FLUSHALL', 'SYNC');
  }

  /** Every key's MEMORY USAGE, summed by kind. */
  async usageByKind(kinds: KeyKinds): Promise<UsageByKind> {
    const all: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = (await this.client.call('SCAN', cursor, 'COUNT', '1000')) as [
        string,
        string[],
      ];
      cursor = next;
      all.push(...batch);
    } while (cursor !== '0');
    const byKind: UsageByKind = new Map();
    for (let i = 0; i < all.length; i += 1000) {
      const batch = all.slice(i, i + 1000);
      const sizes = await Promise.all(batch.map((key) => this.usage(key)));
      batch.forEach((key, j) => {
        const kind = kinds.find(([, pattern]) => pattern.test(key))?.[0] ?? 'other';
        const entry = byKind.get(kind) ?? { keys: 0, bytes: 0 };
        entry.keys += 1;
        entry.bytes += sizes[j]!;
        byKind.set(kind, entry);
      });
    }
    return byKind;
  }
}

/** The sum of every kind's bytes. */
export const sumBytes = (byKind: UsageByKind) =>
  [...byKind.values()].reduce((sum, { bytes }) => sum + bytes, 0);
