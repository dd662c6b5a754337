import { UnrecoverableError, type Job } from 'bullmq';
import type { AxiosInstance } from 'axios';
import { describe, expect, it } from 'vitest';
import type { DestinationConfig, SourceConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { DeliveryMetrics } from '@hookrelay/metrics';
import { createProcessor } from '../src/processor.js';

/** A processor whose HTTP client fails the test if anything is sent. */
function processorWith(deadLettered: string[], logged: unknown[]) {
  const never = () => {
    throw new Error('nothing may be sent for this job');
  };
  return createProcessor({
    source: { name: 'shop' } as SourceConfig,
    destination: { name: 'default' } as DestinationConfig,
    client: { request: never, post: never } as unknown as AxiosInstance,
    logger: { error: (...args: unknown[]) => logged.push(args) } as unknown as Logger,
    metrics: {
      attempt: never,
      delivered: never,
      deadLettered: (source: string, destination: string) =>
        deadLettered.push(`${source}/${destination}`),
    } as DeliveryMetrics,
    now: Date.now,
  });
}

describe('the delivery processor reading job data', () => {
  it('dead-letters a job whose data version it does not read, without an attempt, and says why', async () => {
    const deadLettered: string[] = [];
    const logged: unknown[] = [];
    const job = { id: 'evt_future', data: { version: 2 }, attemptsMade: 0, opts: { attempts: 5 } };
    const attempt = processorWith(deadLettered, logged)(job as unknown as Job);
    await expect(attempt).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(attempt).rejects.toThrow(
      'job data version 2 is not one this hookrelay reads (0 to 1)',
    );
    expect(deadLettered).toEqual(['shop/default']);
    expect(logged).toEqual([
      [
        'dead-lettered',
        expect.objectContaining({ id: 'evt_future', reason: expect.stringContaining('version 2') }),
      ],
    ]);
  });
});
