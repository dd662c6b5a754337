import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCompletion, type AttemptRecord, type DeliveryJobData } from '@hookrelay/queue';
import { waitFor } from '@hookrelay/testing';
import { BIG_ANSWER, startAnsweringBackend, type AnsweringBackend } from './answering-backend.js';
import { post, startRelay, type Relay } from './harness.js';

/** What the attempt log must keep of BIG_ANSWER: its first 4096 bytes, nothing more. */
const KEPT = BIG_ANSWER.subarray(0, 4096).toString('utf8');

const source = (name: string, destination: string, retry: string) => `
  ${name}:
    verify: { type: none }
    event: { id: body.id }
    destination: ${destination}
    retry: ${retry}`;

describe('slow and talkative backends (docs/contract.md §5: the timeout bounds the whole attempt, answers kept to 4 KB)', () => {
  let answers: AnsweringBackend;
  let relay: Relay;

  beforeAll(async () => {
    answers = await startAnsweringBackend();
    relay = await startRelay({
      env: { ANSWERS_URL: answers.url },
      yaml: `
sources:${source('trickle', '{ url: ${ANSWERS_URL}/trickle, timeout: 2s }', '{ attempts: 2, backoff: fixed, delay: 50ms }')}${source('big-ok', '{ url: ${ANSWERS_URL}/big-ok }', '{ attempts: 3, backoff: fixed, delay: 50ms }')}${source('big-error', '{ url: ${ANSWERS_URL}/big-error }', '{ attempts: 2, backoff: fixed, delay: 50ms }')}${source('raw', '{ url: ${BACKEND_URL}/raw, headers: { authorization: "Bearer configured" } }', '{ attempts: 1 }')}
`,
    });
  });
  afterAll(async () => {
    await relay?.close();
    await answers?.close();
  });

  async function send(name: string, eventId: string): Promise<string> {
    const answer = await post(relay, `/webhooks/${name}`, JSON.stringify({ id: eventId }));
    expect(answer.status).toBe(202);
    return answer.body!.id as string;
  }

  const finished = (name: string, id: string, timeoutMs = 10_000) =>
    waitFor(
      () =>
        relay
          .queue(name)
          .getJob(id)
          .then((job) => (job?.finishedOn ? job : undefined)),
      { timeoutMs, what: `job ${id} of ${name} to finish` },
    );

  /** Every attempt, as the event log reads them: the job's log, then its return value (the delivered one). */
  async function attemptsOf(name: string, id: string): Promise<AttemptRecord[]> {
    const [{ logs }, job] = await Promise.all([
      relay.queue(name).getJobLogs(id),
      relay.queue(name).getJob(id),
    ]);
    return withCompletion(
      logs.map((line) => JSON.parse(line) as AttemptRecord),
      job?.returnvalue,
    );
  }

  const loggedFor = (message: string, id: string) =>
    relay.logs.find(message).filter((entry) => entry.id === id);

  it('a backend sending 200 headers then 1 byte/s times out after 2 s per attempt and is dead-lettered, not delivered', async () => {
    const sentAt = Date.now();
    const id = await send('trickle', 'trickle-1');
    const job = await finished('trickle', id);
    // Two attempts of 2 s each (bounds leave room for a loaded machine), far below the 30 s the whole body takes. A byte
    // comes every second, so an idle-socket timeout of 2 s would never fire: only a deadline does.
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    expect(await job.getState()).toBe('failed');
    expect(job.returnvalue).toBeFalsy();
    const timedOut = { at: expect.any(Number), durationMs: expect.any(Number) };
    expect(await attemptsOf('trickle', id)).toEqual([
      { ...timedOut, attempt: 1, error: 'timeout after 2 s', outcome: 'retry' },
      { ...timedOut, attempt: 2, error: 'timeout after 2 s', outcome: 'dead' },
    ]);
    for (const attempt of await attemptsOf('trickle', id)) {
      expect(attempt.durationMs).toBeGreaterThanOrEqual(1_900);
      expect(attempt.durationMs).toBeLessThan(6_000);
    }
    // The relay dropped each connection at its deadline instead of waiting for the body.
    const hits = answers.hitsOn('/trickle');
    expect(hits).toHaveLength(2);
    await waitFor(() => hits.every((hit) => hit.closed), {
      timeoutMs: 6_000,
      what: 'sockets closed',
    });
    for (const hit of hits) {
      expect(hit.closed!.answerFinished).toBe(false);
      expect(hit.closed!.at - hit.at).toBeLessThan(6_000);
    }
    expect(loggedFor('delivered', id)).toEqual([]);
    expect(loggedFor('dead-lettered', id)).toEqual([
      expect.objectContaining({ reason: 'timeout after 2 s, attempt 2 of 2', attempts: 2 }),
    ]);
  });

  it('a 200 with a 200 KB body is delivered exactly once, its first 4096 bytes kept in the attempt log', async () => {
    const id = await send('big-ok', 'big-ok-1');
    const job = await finished('big-ok', id);
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toMatchObject({ status: 200, attempt: 1 });
    expect(
      answers.hitsOn('/big-ok').filter((hit) => hit.headers['x-hookrelay-id'] === id),
    ).toHaveLength(1);
    const attempts = await attemptsOf('big-ok', id);
    expect(attempts).toEqual([
      {
        attempt: 1,
        at: expect.any(Number),
        durationMs: expect.any(Number),
        status: 200,
        outcome: 'delivered',
        response: KEPT,
        responseType: 'text/plain',
      },
    ]);
    expect(Buffer.byteLength(attempts[0]!.response!)).toBe(4096);
    expect(loggedFor('delivered', id)).toHaveLength(1);
    // The answer is for the event log only: it never reaches the service logs.
    expect(relay.logs.lines.filter((line) => line.includes('line 000000'))).toEqual([]);
  });

  it('a 500 with a 200 KB body is still retried, each attempt keeping at most 4 KB of it', async () => {
    const id = await send('big-error', 'big-error-1');
    const job = await finished('big-error', id);
    expect(await job.getState()).toBe('failed');
    expect(answers.hitsOn('/big-error')).toHaveLength(2);
    const attempts = await attemptsOf('big-error', id);
    expect(attempts.map((a) => [a.attempt, a.status, a.error, a.outcome])).toEqual([
      [1, 500, 'HTTP 500 from the backend', 'retry'],
      [2, 500, 'HTTP 500 from the backend', 'dead'],
    ]);
    for (const attempt of attempts) {
      expect(Buffer.byteLength(attempt.response ?? '')).toBeLessThanOrEqual(4096);
      expect(attempt.response).toBe(KEPT);
    }
  });

  it("in raw format, a job's own headers never override the destination's configured ones", async () => {
    const id = 'evt_forged_job_1';
    const forged: DeliveryJobData = {
      version: 1,
      id,
      source: 'raw',
      destination: 'default',
      requestId: 'req-forged-1',
      receivedAt: Date.now(),
      contentType: 'application/json',
      headers: {
        authorization: 'Bearer attacker',
        Authorization: 'Bearer attacker, capitalised',
        'x-hookrelay-source': 'forged',
        'x-provider-signature': 'sig-1',
      },
      body: '{"id":"forged-1"}',
      bodyEncoding: 'utf8',
    };
    // As Bull Board or anyone with Redis access could: straight onto the relay's queue.
    await relay.queue('raw').add('event', forged, { jobId: id, attempts: 1 });
    const delivered = await waitFor(() => relay.backend.store.list({ id, path: '/raw' })[0], {
      what: 'the forged job to be delivered',
    });
    expect(delivered.headers.authorization).toBe('Bearer configured');
    expect(delivered.headers['x-hookrelay-source']).toBe('raw');
    expect(delivered.headers['content-type']).toBe('application/json');
    // Headers the destination does not set are still forwarded, as provider signatures must be.
    expect(delivered.headers['x-provider-signature']).toBe('sig-1');
    expect(delivered.body).toBe('{"id":"forged-1"}');
    expect(relay.backend.store.list({ id })).toHaveLength(1);
  });
});
