import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { post, startRelay, type Relay } from './harness.js';

describe('event.delayUntil', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `
sources:
  reminders:
    verify: { type: none }
    event: { delayUntil: body.scheduled_at }
    destination: { url: \${BACKEND_URL}/reminders }
`,
    });
  });
  afterAll(() => relay.close());

  it('holds a delivery until the instant the body names', async () => {
    const at = Date.now() + 1_500;
    const answer = await post(
      relay,
      '/webhooks/reminders',
      JSON.stringify({ scheduled_at: new Date(at).toISOString() }),
    );
    expect(answer.status).toBe(202);
    const id = answer.body!.id as string;
    // The intake turns the acknowledged event into its job a moment later (docs/inbox.md).
    await waitFor(async () =>
      (await relay.queue('reminders').getJobState(id)) === 'delayed' ? true : undefined,
    );
    const delivery = await waitFor(() => relay.backend.store.list({ id }).at(0), {
      timeoutMs: 10_000,
    });
    expect(Date.parse(delivery.at)).toBeGreaterThanOrEqual(at - 50);
  });

  it('delivers at once when the instant is past or missing', async () => {
    const past = await post(
      relay,
      '/webhooks/reminders',
      JSON.stringify({ scheduled_at: 1_600_000_000 }),
    );
    const none = await post(relay, '/webhooks/reminders', JSON.stringify({}));
    for (const answer of [past, none]) {
      await waitFor(() => relay.backend.store.list({ id: answer.body!.id as string }).at(0));
    }
  });
});
