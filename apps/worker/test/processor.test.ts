import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { DestinationConfig, SourceConfig } from '@hookrelay/config';
import type { Logger } from '@hookrelay/logger';
import type { DeliveryMetrics } from '@hookrelay/metrics';
import type { AttemptRecord, EventLog } from '@hookrelay/queue';
import type { AttemptResult } from '../src/deliver.js';
import { limiterFor } from '../src/delivery-workers.js';
import type { HttpClient } from '../src/http-client.js';
import type { DestinationGuard } from '../src/destination-guard.js';
import { RetryableDeliveryError } from '../src/errors.js';
import { createProcessor } from '../src/processor.js';

/** A processor whose HTTP client fails the test if anything is sent. */
function processorWith(deadLettered: string[], logged: unknown[]) {
  const never = () => {
    throw new Error('nothing may be sent for this job');
  };
  return createProcessor({
    source: { name: 'shop' } as SourceConfig,
    destination: { name: 'default' } as DestinationConfig,
    client: { request: never, post: never } as unknown as HttpClient,
    logger: { error: (...args: unknown[]) => logged.push(args) } as unknown as Logger,
    metrics: {
      attempt: never,
      delivered: never,
      deadLettered: (source: string, destination: string) =>
        deadLettered.push(`${source}/${destination}`),
      breakerTransition: never,
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
      'job data version 2 is not one this hookrelay reads (0 to 1) — not attempted',
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

/** A Node.js socket error, as node:http rejects with. */
const socketError = (message: string, code: string) => Object.assign(new Error(message), { code });

/** A processor whose backend answers `answer` (a status, or a socket error such as a refused connection). */
function answering(answer: number | Error) {
  const post = () =>
    typeof answer === 'number'
      ? Promise.resolve({ status: answer, headers: {}, body: Buffer.alloc(0) })
      : Promise.reject(answer);
  const quiet = () => undefined;
  return createProcessor({
    source: { name: 'shop', verify: { type: 'none' }, format: 'json' } as unknown as SourceConfig,
    destination: {
      name: 'default',
      url: 'http://backend.invalid/hook',
      format: 'raw',
      headers: {},
      timeoutMs: 10_000,
    } as unknown as DestinationConfig,
    client: { post } as unknown as HttpClient,
    logger: { info: quiet, warn: quiet, error: quiet } as unknown as Logger,
    metrics: {
      attempt: quiet,
      delivered: quiet,
      deadLettered: quiet,
      breakerTransition: quiet,
    } as DeliveryMetrics,
    now: Date.now,
  });
}

/** A job at its `attempt`-th attempt of `attempts`, recording its attempt log in `log`. */
function jobAt(attempt: number, attempts: number, log: AttemptRecord[]): Job {
  const data = {
    version: 1,
    id: 'evt_1',
    source: 'shop',
    destination: 'default',
    requestId: 'req',
    receivedAt: Date.now(),
    eventId: 'TX-3001',
    headers: {},
    body: '{}',
    bodyEncoding: 'utf8',
  };
  const record = (line: string) => void log.push(JSON.parse(line) as AttemptRecord);
  return {
    id: 'evt_1',
    data,
    attemptsMade: attempt - 1,
    opts: { attempts },
    log: record,
  } as unknown as Job;
}

describe('what a failed attempt says (README "Operating hookrelay")', () => {
  const failure = async (answer: number | Error, attempt: number, attempts: number) => {
    const log: AttemptRecord[] = [];
    const error = await answering(answer)(jobAt(attempt, attempts, log)).then(
      () => expect.fail('the attempt should fail'),
      (thrown: unknown) => thrown as Error,
    );
    return { error, log };
  };

  it('a non-retried status dead-letters at once, saying so, with no stack and no "n of m"', async () => {
    const { error, log } = await failure(400, 1, 10);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect(error.message).toBe('HTTP 400 from the backend — not retried');
    expect(error.stack).toBeUndefined();
    expect(log).toEqual([
      expect.objectContaining({ status: 400, error: 'HTTP 400 from the backend', outcome: 'dead' }),
    ]);
  });

  it('a retryable failure counts its attempts, and the last one dead-letters', async () => {
    const retried = await failure(503, 3, 10);
    expect(retried.error).toBeInstanceOf(RetryableDeliveryError);
    expect(retried.error.message).toBe('HTTP 503 from the backend, attempt 3 of 10');
    expect(retried.error.stack).toBeUndefined();
    const last = await failure(503, 10, 10);
    expect(last.error).toBeInstanceOf(UnrecoverableError);
    expect(last.error.message).toBe('HTTP 503 from the backend, attempt 10 of 10');
    expect(last.error.stack).toBeUndefined();
    expect(last.log[0]).toMatchObject({ error: 'HTTP 503 from the backend', outcome: 'dead' });
  });

  it('timeouts and refused connections read as such, with the timeout in seconds', async () => {
    const timeout = await failure(socketError('connect ETIMEDOUT', 'ETIMEDOUT'), 10, 10);
    expect(timeout.error.message).toBe('timeout after 10 s, attempt 10 of 10');
    const refused = await failure(socketError('connect ECONNREFUSED', 'ECONNREFUSED'), 3, 3);
    expect(refused.error.message).toBe('connection refused (ECONNREFUSED), attempt 3 of 3');
    expect(refused.log[0]).toMatchObject({ error: 'connection refused (ECONNREFUSED)' });
  });

  it('with a single attempt configured, a retryable failure says retries are off, not "1 of 1"', async () => {
    const { error } = await failure(500, 1, 1);
    expect(error.message).toBe('HTTP 500 from the backend — not retried (retry.attempts is 1)');
  });
});

describe('what a delivered attempt leaves (docs/events.md)', () => {
  it('returns its record, which BullMQ stores with the completion, writes no log line, and feeds the event log', async () => {
    const fed: [string, AttemptRecord, unknown][] = [];
    const quiet = () => undefined;
    const processor = createProcessor({
      source: {
        name: 'shop',
        verify: { type: 'none' },
        format: 'json',
        destinations: [{}],
      } as unknown as SourceConfig,
      destination: {
        name: 'default',
        url: 'http://backend.invalid/hook',
        format: 'raw',
        headers: {},
        timeoutMs: 10_000,
      } as unknown as DestinationConfig,
      client: {
        post: () =>
          Promise.resolve({
            status: 201,
            headers: { 'content-type': 'application/json' },
            body: Buffer.from('{"ok":true}'),
          }),
      } as unknown as HttpClient,
      logger: { info: quiet, warn: quiet, error: quiet } as unknown as Logger,
      metrics: { attempt: quiet, delivered: quiet } as unknown as DeliveryMetrics,
      now: Date.now,
      eventLog: {
        attempt: (of: { id: string }, record: AttemptRecord, options: unknown) => {
          fed.push([of.id, record, options]);
          return Promise.resolve();
        },
      } as unknown as EventLog,
    });
    const log: AttemptRecord[] = [];
    const returned = await processor(jobAt(2, 3, log));
    const record = {
      attempt: 2,
      at: expect.any(Number),
      durationMs: expect.any(Number),
      status: 201,
      outcome: 'delivered',
      response: '{"ok":true}',
      responseType: 'application/json',
    };
    expect(JSON.parse(JSON.stringify(returned))).toEqual(record);
    expect(log).toEqual([]);
    expect(fed).toEqual([['evt_1', expect.objectContaining(record), { onlyDestination: true }]]);
  });
});

/** docs/contract.md §5 "Protecting the backend": holds and the destination guard. */
describe('holding the destination', () => {
  const quiet = () => undefined;
  function guarded(options: {
    status?: number;
    retryAfter?: string;
    guard?: DestinationGuard;
    maxDelayMs?: number;
  }) {
    const holds: number[] = [];
    const sent: number[] = [];
    const post = () => {
      sent.push(1);
      return Promise.resolve({
        status: options.status ?? 200,
        headers: options.retryAfter ? { 'retry-after': options.retryAfter } : {},
        body: Buffer.alloc(0),
      });
    };
    const processor = createProcessor({
      source: { name: 'shop', verify: { type: 'none' }, format: 'json' } as unknown as SourceConfig,
      destination: {
        name: 'default',
        url: 'http://backend.invalid/hook',
        format: 'raw',
        headers: {},
        timeoutMs: 10_000,
        retry: { maxDelayMs: options.maxDelayMs ?? 3_600_000 },
      } as unknown as DestinationConfig,
      client: { post } as unknown as HttpClient,
      logger: { info: quiet, warn: quiet, error: quiet, debug: quiet } as unknown as Logger,
      metrics: {
        attempt: quiet,
        delivered: quiet,
        deadLettered: quiet,
        breakerTransition: quiet,
      } as DeliveryMetrics,
      now: Date.now,
      guard: options.guard,
      hold: (ms) => {
        holds.push(ms);
        return Promise.resolve();
      },
    });
    return { processor, holds, sent };
  }

  const isRateLimit = (error: unknown) =>
    (error as Error).message === Worker.RateLimitError().message;

  it('a 429 with Retry-After holds the destination, capped at maxDelay, and logs the attempt as held', async () => {
    const { processor, holds } = guarded({ status: 429, retryAfter: '120', maxDelayMs: 60_000 });
    const log: AttemptRecord[] = [];
    const error = await processor(jobAt(10, 10, log)).catch((thrown: unknown) => thrown);
    expect(isRateLimit(error)).toBe(true);
    expect(holds).toEqual([60_000]);
    expect(log).toEqual([
      expect.objectContaining({
        attempt: 10,
        status: 429,
        outcome: 'held',
        error: 'HTTP 429 from the backend — destination held 60 s',
      }),
    ]);
  });

  it('a 503 with Retry-After: 0 holds at least a second; a 429 without Retry-After is an ordinary retry', async () => {
    const zero = guarded({ status: 503, retryAfter: '0' });
    expect(isRateLimit(await zero.processor(jobAt(1, 3, [])).catch((e: unknown) => e))).toBe(true);
    expect(zero.holds).toEqual([1_000]);
    const plain = guarded({ status: 429 });
    const error = await plain.processor(jobAt(1, 3, [])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableDeliveryError);
    expect(plain.holds).toEqual([]);
  });

  it('a guard that refuses holds the destination for its wait, sends nothing and records nothing', async () => {
    const recorded: AttemptResult[] = [];
    const guard: DestinationGuard = {
      admit: () => Promise.resolve({ ok: false, waitMs: 2_500 }),
      record: (result) => {
        recorded.push(result);
        return Promise.resolve();
      },
    };
    const { processor, holds, sent } = guarded({ guard });
    const log: AttemptRecord[] = [];
    expect(isRateLimit(await processor(jobAt(1, 3, log)).catch((e: unknown) => e))).toBe(true);
    expect(holds).toEqual([2_500]);
    expect(sent).toEqual([]);
    expect(log).toEqual([]);
    expect(recorded).toEqual([]);
  });

  it('a guard that admits is told every result; one that throws lets the attempt go', async () => {
    const recorded: string[] = [];
    const guard: DestinationGuard = {
      admit: () => Promise.resolve({ ok: true }),
      record: (result) => {
        recorded.push(result.kind === 'retry' ? `retry ${result.status}` : result.kind);
        return Promise.resolve();
      },
    };
    await guarded({ guard }).processor(jobAt(1, 3, []));
    await guarded({ guard, status: 500 })
      .processor(jobAt(1, 3, []))
      .catch(() => undefined);
    await guarded({ guard, status: 404 })
      .processor(jobAt(1, 3, []))
      .catch(() => undefined);
    expect(recorded).toEqual(['delivered', 'retry 500', 'reject']);
    const broken: DestinationGuard = {
      admit: () => Promise.reject(new Error('redis away')),
      record: () => Promise.reject(new Error('redis away')),
    };
    const { processor, sent } = guarded({ guard: broken });
    await expect(processor(jobAt(1, 3, []))).resolves.toMatchObject({ status: 200 });
    expect(sent).toEqual([1]);
  });
});

describe('limiterFor (docs/contract.md §5 rateLimit)', () => {
  it('cuts the window so that no span of `per` starts more than `max`, letting through as many as it can', () => {
    for (const [max, perMs] of [
      [150, 1_000],
      [200, 1_000],
      [10, 1_000],
      [1_000, 60_000],
      [3, 100],
    ] as const) {
      const limiter = limiterFor({ rateLimit: { max, perMs } });
      const slices = Math.ceil(perMs / limiter.duration!);
      // Any span of `per` meets at most slices + 1 windows.
      expect((slices + 1) * limiter.max, `${max}/${perMs}`).toBeLessThanOrEqual(max);
      expect(slices * limiter.max, `${max}/${perMs}`).toBeGreaterThanOrEqual(max * 0.6);
    }
    expect(limiterFor({ rateLimit: { max: 1, perMs: 1_000 } })).toEqual({
      max: 1,
      duration: 1_000,
    });
    expect(limiterFor({}).max).toBeGreaterThanOrEqual(1_000_000);
  });
});
