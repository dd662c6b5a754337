import { resolve } from 'node:path';
import type { HookrelayConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import { spoolMetrics, type Registry } from '@hookrelay/metrics';
import type { Enqueuer, RedisClient } from '@hookrelay/queue';
import { Spool, SpoolLockedError } from '@hookrelay/spool';
import { SpoolDrainer } from './spool-drainer.js';
import { SpooledEnqueuer } from './spooled-enqueuer.js';

type SpoolConfig = NonNullable<HookrelayConfig['ingress']['spool']>;

/** The ingress's write with the spool on, what `/readyz` asks of it, and how to stop it. */
export interface SpooledWrite {
  readonly enqueuer: Enqueuer;
  readonly degradedBecause: (redisWritable: boolean) => string | undefined;
  /** Stops draining and closes the spool; what is left drains at the next start. */
  close(): Promise<void>;
}

/**
 * Opens `ingress.spool` (docs/spool.md) around the ingress's Redis write and starts draining what
 * a previous run left. Exits the process when another live ingress holds the directory: two
 * ingresses writing one spool would interleave and release each other's records.
 */
export async function openSpool(
  spoolConfig: SpoolConfig,
  redisWrite: Enqueuer,
  redis: RedisClient,
  logger: Logger,
  registry: Registry,
): Promise<SpooledWrite> {
  const dir = resolve(spoolConfig.dir);
  let corrupt = 0;
  let spool: Spool;
  try {
    spool = await Spool.open({
      dir,
      maxBytes: spoolConfig.maxBytes,
      onCorrupt: ({ segment, offset, reason, bytesSkipped }) => {
        corrupt += 1;
        logger.error('spool record corrupt', { dir, segment, offset, reason, bytesSkipped });
      },
    });
  } catch (error) {
    if (!(error instanceof SpoolLockedError)) throw error;
    logger.error('spool directory locked', { dir, reason: error.message });
    process.exit(1);
  }
  const metrics = spoolMetrics(registry, spool);
  for (let i = 0; i < corrupt; i++) metrics.records('corrupt');
  if (spool.pending > 0)
    logger.warn('spool holds events from a previous run', { dir, pending: spool.pending });
  const drainer = new SpoolDrainer({
    spool,
    redis: redisWrite,
    redisReady: () => redis.status === 'ready',
    logger,
    metrics,
  });
  const enqueuer = new SpooledEnqueuer(redisWrite, spool, metrics, () => drainer.wake());
  return {
    enqueuer,
    degradedBecause: (redisWritable) => enqueuer.degradedReason(redisWritable),
    async close() {
      await drainer.stop();
      await spool.close();
    },
  };
}
