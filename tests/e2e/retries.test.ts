import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '@hookrelay/queue';
import { waitFor } from '@hookrelay/testing';
import { post, startRelay, type Relay } from './harness.js';

const source = (name: string, retry: string) => `
  ${name}:
    verify: { type: token, header: x-token, value: tok }
    event: { id: body.id }
    destination: { url: \${BACKEND_URL}/${name} }
    retry: ${retry}`;

/** How long /down holds each answer: every attempt's recorded duration must include it. */
const DOWN_ANSWER_DELAY_MS = 200;

describe('deliveries that fail are retried with backoff and dead-lettered when they run out', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:${source('flaky', '{ attempts: 5, backoff: fixed, delay: 50ms }')}${source('refusing', '{ attempts: 5, delay: 50ms }')}${source('down', '{ attempts: 3, backoff: exponential, delay: 20ms }')}${source('throttled', '{ attempts: 3, backoff: fixed, delay: 30s }')}
`,
    });
    relay.backend.rules.set([
      { path: '/flaky', status: 500, times: 2 },
      { path: '/refusing', status: 400 },
      { path: '/down', status: 500, delayMs: DOWN_ANSWER_DELAY_MS },
      { path: '/throttled', status: 429, retryAfter: '2', times: 1 },
    ]);
  });
  afterAll(() => relay.close());

  const send = (name: string, id: string) =>
    post(relay, `/webhooks/${name}`, JSON.stringify({ id }), { 'x-token': 'tok' });

  async function attemptsOf(name: string, jobId: string): Promise<AttemptRecord[]> {
    const { logs } = await relay.queue(name).getJobLogs(jobId);
    return logs.map((line) => JSON.parse(line) as AttemptRecord);
  }

  it('a backend answering 500 twice then 200 gets the event on attempt 3, marked X-Hookrelay-Attempt: 3', async () => {
    const { body } = await send('flaky', 'flaky-1');
    const id = body!.id as string;
    const delivered = await waitFor(() =>
      relay.backend.store.list({ id }).find((d) => d.status === 200),
    );
    expect(delivered.headers['x-hookrelay-attempt']).toBe('3');
    expect(relay.backend.store.list({ id }).map((d) => d.status)).toEqual([500, 500, 200]);
    const job = await waitFor(() =>
      relay
        .queue('flaky')
        .getJob(id)
        .then((j) => (j?.finishedOn ? j : undefined)),
    );
    expect(await job.getState()).toBe('completed');
  });

  it('a backend answering 400 dead-letters the event after one attempt', async () => {
    const { body } = await send('refusing', 'refusing-1');
    const id = body!.id as string;
    const job = await waitFor(() =>
      relay
        .queue('refusing')
        .getJob(id)
        .then((j) => (j?.finishedOn ? j : undefined)),
    );
    expect(await job.getState()).toBe('failed');
    expect(relay.backend.store.list({ id })).toHaveLength(1);
    expect(await attemptsOf('refusing', id)).toEqual([
      expect.objectContaining({ attempt: 1, status: 400, outcome: 'dead' }),
    ]);
    expect(job.data.body).toBe('{"id":"refusing-1"}');
  });

  it('a backend answering 500 forever dead-letters the event after all attempts, each one recorded', async () => {
    const { body } = await send('down', 'down-1');
    const id = body!.id as string;
    const job = await waitFor(() =>
      relay
        .queue('down')
        .getJob(id)
        .then((j) => (j?.finishedOn ? j : undefined)),
    );
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(3);
    const attempts = await attemptsOf('down', id);
    expect(attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 500, 'retry'],
      [3, 500, 'dead'],
    ]);
    // Each attempt is timed from request to answer: at least the backend's hold (less timer slack),
    // far below the attempt timeout; and it ends after the backend received that very request.
    const received = relay.backend.store.list({ id }).map((d) => Date.parse(d.at));
    expect(received).toHaveLength(3);
    attempts.forEach((attempt, i) => {
      expect(attempt.durationMs).toBeGreaterThanOrEqual(DOWN_ANSWER_DELAY_MS - 5);
      expect(attempt.durationMs).toBeLessThan(DOWN_ANSWER_DELAY_MS + 2_000);
      expect(attempt.at - received[i]!).toBeGreaterThanOrEqual(DOWN_ANSWER_DELAY_MS - 5);
    });
    expect(relay.logs.find('dead-lettered').some((line) => line.id === id)).toBe(true);
  });

  it('a 429 with Retry-After: 2 is retried after about 2 s, not after the 30 s backoff', async () => {
    const { body } = await send('throttled', 'throttled-1');
    const id = body!.id as string;
    const deliveries = await waitFor(
      () => {
        const list = relay.backend.store.list({ id });
        return list.length === 2 ? list : undefined;
      },
      { timeoutMs: 10_000 },
    );
    const gapMs = Date.parse(deliveries[1]!.at) - Date.parse(deliveries[0]!.at);
    expect(gapMs).toBeGreaterThanOrEqual(1_900);
    expect(gapMs).toBeLessThan(6_000);
    expect(deliveries.map((d) => d.status)).toEqual([429, 200]);
  });
});
