import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startRelay, type Relay } from './harness.js';

describe('body logging', () => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await startRelay({
      workers: false,
      yaml: `
sources:
  quiet:
    verify: { type: none }
    destination: { url: \${BACKEND_URL}/quiet }
  chatty:
    verify: { type: none }
    log: { body: true, bodyMaxBytes: 16 }
    destination: { url: \${BACKEND_URL}/chatty }
`,
    });
  });
  afterAll(() => relay.close());

  const body = JSON.stringify({ customer: 'Awa Diop', phone: '+221770000000', amount: 15000 });

  it('is off by default: payment payloads carry personal data', async () => {
    await post(relay, '/webhooks/quiet', body);
    const [line] = relay.logs.find('enqueued').filter((entry) => entry.source === 'quiet');
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty('body');
    expect(JSON.stringify(relay.logs.lines)).not.toContain('Awa Diop');
  });

  it('when switched on for a source, logs the body truncated to the configured size', async () => {
    await post(relay, '/webhooks/chatty', body);
    const [line] = relay.logs.find('enqueued').filter((entry) => entry.source === 'chatty');
    expect(line!.body).toBe(`${body.slice(0, 16)}…`);
  });
});
