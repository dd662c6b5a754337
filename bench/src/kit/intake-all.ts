/**
 * The inbox of docs/inbox.md made into delivery jobs by one Intake in this process, timed: the
 * drain section runs it before starting a worker, so the worker's time is deliveries only (as the
 * bare worker's is) and the intake's rate is reported on its own. Not run on its own.
 */
import type { HookrelayConfig } from '@hookrelay/config';
import { InboxKeys, Intake } from '@hookrelay/queue';
import { waitFor } from '@hookrelay/testing';
import { quietRedis, ready } from './redis.js';

export interface IntakeRun {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

export async function intakeAll(config: HookrelayConfig, timeoutMs = 300_000): Promise<IntakeRun> {
  const connection = quietRedis(config.redis, 'consumer', 'bench-intake');
  await ready(connection);
  const keys = new InboxKeys(config.redis.prefix);
  const events = await connection.llen(keys.inbox());
  let written = 0;
  const started = performance.now();
  const intake = new Intake({
    config,
    connection,
    log: { warn: () => undefined, error: () => undefined },
    onWritten: (count) => (written += count),
  });
  try {
    await waitFor(() => (written >= events ? true : undefined), {
      timeoutMs,
      intervalMs: 5,
      what: `the intake to write ${events} events as jobs`,
    });
    const seconds = (performance.now() - started) / 1000;
    return { events, seconds, eventsPerSecond: Math.round(events / seconds) };
  } finally {
    await intake.close();
    connection.disconnect();
  }
}
