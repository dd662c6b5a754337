import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { post, startRelay, type Relay } from './harness.js';

describe('when Redis goes away the ingress refuses quickly and acknowledges nothing', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await startRelay({
      workers: false,
      yaml: `
sources:
  notifications:
    verify: { type: token, header: authorization, value: "Bearer notify" }
    destination: { url: \${BACKEND_URL}/webhooks/notifications }
`,
    });
  });
  afterAll(() => relay.close());

  const send = (n: number) =>
    post(relay, '/webhooks/notifications', JSON.stringify({ n }), {
      authorization: 'Bearer notify',
    });

  it('answers 503 queue_unavailable with Retry-After within 1 s while Redis is down, then 202 again once it is back', async () => {
    expect((await send(1)).status).toBe(202);

    await relay.redis.server.stop('SIGKILL');
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const answer = await send(100 + i);
      const elapsed = performance.now() - started;
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.body).toMatchObject({ error: { code: 'queue_unavailable' } });
      expect(elapsed).toBeLessThan(1_000);
    }
    expect((await fetch(`${relay.ingress.url}/readyz`)).status).toBe(503);

    await relay.redis.server.start();
    const answer = await waitFor(
      async () => {
        const attempt = await send(2);
        return attempt.status === 202 ? attempt : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'a 202 after Redis restarted' },
    );
    expect(answer.body).toMatchObject({ received: true });
    // Redis restarted from its append-only file: the event acknowledged before the crash is still there.
    await relay.settled();
    const jobs = await relay.queue('notifications').getJobs(['waiting']);
    expect(jobs.map((job) => job.data.body).sort()).toEqual(['{"n":1}', '{"n":2}']);
  });
});
