import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail, EventPage, LiveEvent } from '@hookrelay/ops';
import { startTestRedis, waitFor } from '@hookrelay/testing';
import {
  hookrelay,
  spawnHookrelay,
  writeConfig,
  type RunningCli,
  type TempFile,
} from './cli-harness.js';
import { post, startRelay, STRIPE_SECRET, type Relay } from './harness.js';
import { stripeFixtureWithId, stripeSignature } from './stripe-events.js';

const SOURCES = `
sources:
  stripe:
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    destination: { url: \${BACKEND_URL}/stripe }
    retry: { attempts: 5, backoff: fixed, delay: 50ms }
  orders:
    verify: { type: none }
    event: { id: body.id, type: body.type }
    destination: { url: \${BACKEND_URL}/orders }
  other:
    verify: { type: none }
    event: { id: body.id, type: body.type }
    destination: { url: \${BACKEND_URL}/other }
`;

const READY = (source: string) => `Ready! Following events (source: ${source}). Ctrl-C to stop.`;

/** A Stripe payment_intent.succeeded with a provider id of its own (so it is never a duplicate), signed. */
function stripeEvent() {
  const providerId = `evt_1Qcli${randomBytes(6).toString('hex')}`;
  const body = stripeFixtureWithId('payment_intent.succeeded', providerId).toString('utf8');
  return { providerId, body, signature: stripeSignature(body) };
}

describe('hookrelay events, events show and tail', () => {
  let relay: Relay;
  let config: TempFile;
  const run = (...args: string[]) => hookrelay(args, { config: config.path });
  const running: RunningCli[] = [];
  const follow = (...args: string[]) => {
    const cli = spawnHookrelay(args, { config: config.path });
    running.push(cli);
    return cli;
  };

  const sendStripe = async () => {
    const event = stripeEvent();
    const answer = await post(relay, '/webhooks/stripe', event.body, {
      'stripe-signature': event.signature,
    });
    expect(answer.status).toBe(202);
    return { ...event, id: answer.body!.id as string };
  };
  const sendPlain = async (source: string, providerId: string, type: string) => {
    const answer = await post(
      relay,
      `/webhooks/${source}`,
      JSON.stringify({ id: providerId, type }),
    );
    expect(answer.status).toBe(202);
    return answer.body!.id as string;
  };
  const settled = (source: string, id: string, state: 'completed' | 'failed') =>
    waitFor(async () => (await relay.queue(source).getJobState(id)) === state, {
      what: `${id} ${state}`,
    });

  beforeAll(async () => {
    relay = await startRelay({ yaml: SOURCES });
    config = writeConfig(
      `redis: { url: ${relay.redis.url}, prefix: test }\n${SOURCES.replaceAll(
        '${BACKEND_URL}',
        relay.backend.url,
      ).replaceAll('${STRIPE_WEBHOOK_SECRET}', STRIPE_SECRET)}`,
    );
  });
  afterAll(async () => {
    await Promise.all(running.map((cli) => cli.stop('SIGKILL')));
    config?.remove();
    await relay?.close();
  });

  it('events show: every attempt in order with the backend’s answer, the signature masked', async () => {
    relay.backend.rules.set([{ path: '/stripe', status: 500, times: 2 }]);
    const event = await sendStripe();
    await settled('stripe', event.id, 'completed');

    const shown = await run('events', 'show', event.providerId);
    expect([shown.code, shown.stderr]).toEqual([0, '']);
    const out = shown.stdout;
    const attempts = [
      ...out.matchAll(
        /^ {2}#(\d+)\s+(\d{4}-\d\d-\d\dT[\d:.]+Z)\s+HTTP (\d{3})\s+\d+ ms\s+(\w+)$/gm,
      ),
    ].map(([, attempt, , status, outcome]) => [attempt, status, outcome]);
    expect(attempts).toEqual([
      ['1', '500', 'retry'],
      ['2', '500', 'retry'],
      ['3', '200', 'delivered'],
    ]);
    // Under each attempt, the backend's answer and its content type.
    expect(out).toMatch(
      /#1 .+ retry\n {6}answer, application\/json[^\n]*:\n {8}\{"ok":false\}\n {2}#2 .+ retry\n {6}answer, application\/json[^\n]*:\n {8}\{"ok":false\}\n {2}#3 .+ delivered\n {6}answer, application\/json[^\n]*:\n {8}\{"ok":true\}\n {2}status: delivered\n$/,
    );
    expect(out).toMatch(
      new RegExp(
        `^Event ${event.id}\n {2}event id {5}${event.providerId}\n {2}source {7}stripe\n {2}type {9}payment_intent\\.succeeded\n {2}received at {2}\\d{4}-.+Z\n`,
      ),
    );
    expect(out).toMatch(
      /^Headers\n(?: {2}[\w-]+: .*\n)+\nBody \(application\/json, \d+ bytes\)\n/m,
    );
    expect(out).toMatch(/^ {2}stripe-signature: \[redacted\]$/m);
    expect(out).toContain(`\n  {\n    "id": "${event.providerId}",\n`); // pretty-printed
    expect(out).toMatch(/^Delivery to default\n/m);

    const v1 = /v1=([0-9a-f]+)/.exec(event.signature)![1]!;
    const json = await run('--json', 'events', 'show', event.id);
    expect(json.code).toBe(0);
    const detail = json.json<EventDetail>();
    expect(detail).toMatchObject({
      id: event.id,
      source: 'stripe',
      eventId: event.providerId,
      eventType: 'payment_intent.succeeded',
      request: { headers: { 'stripe-signature': '[redacted]' }, bodyEncoding: 'utf8' },
    });
    expect(detail.deliveries[0]!.attempts.map((a) => [a.status, a.outcome])).toEqual([
      [500, 'retry'],
      [500, 'retry'],
      [200, 'delivered'],
    ]);
    for (const printed of [out, json.stdout]) {
      expect(printed).not.toContain(event.signature);
      expect(printed).not.toContain(v1);
    }
  });

  it('events show: exits 1 with one line for an id no retained event has', async () => {
    const unknown = await run('events', 'show', 'TX-404');
    expect([unknown.code, unknown.stdout, unknown.stderr]).toEqual([
      1,
      '',
      'hookrelay: no retained event with id or provider id "TX-404"\n',
    ]);
  });

  it('events --status dead lists the dead event and not the delivered one; --json is the page', async () => {
    relay.backend.rules.set([{ path: '/orders', status: 400, times: 1 }]);
    const dead = await sendPlain('orders', 'order-dead', 'order.paid');
    await settled('orders', dead, 'failed');
    const delivered = await sendPlain('orders', 'order-ok', 'order.paid');
    await settled('orders', delivered, 'completed');

    const table = await run('events', '--status', 'dead');
    expect([table.code, table.stderr]).toEqual([0, '']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+EVENT ID\s+SOURCE\s+DESTINATION\s+TYPE\s+STATUS\s+RECEIVED\s+ATTEMPTS\s+LAST\s+LAST ERROR$/,
    );
    expect(lines.slice(1, -1)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${dead}\\s+order-dead\\s+orders\\s+default\\s+order\\.paid\\s+dead\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+1\\s+400\\s+HTTP 400 from the backend — not retried$`,
        ),
      ),
    ]);
    expect(lines.at(-1)).toBe('1 event shown.');
    expect(table.stdout).not.toContain(delivered);

    const json = await run('--json', 'events', '--status', 'dead');
    const page = json.json<EventPage>();
    expect(page.next).toBeNull();
    expect(page.items).toEqual([
      {
        id: dead,
        source: 'orders',
        destination: 'default',
        eventId: 'order-dead',
        eventType: 'order.paid',
        status: 'dead',
        receivedAt: expect.stringMatching(/Z$/),
        attempts: 1,
        lastStatus: 400,
        lastError: 'HTTP 400 from the backend — not retried',
      },
    ]);

    // Newest first, a page at a time: the "More:" line is the command for the next page.
    const first = await run('events', '--source', 'orders', '--limit', '1');
    expect(first.stdout).toMatch(new RegExp(`^ID .+\n${delivered}\\s+order-ok\\s+orders\\s`));
    const more = /^1 event shown\. More: hookrelay (.+)$/m.exec(first.stdout)![1]!;
    expect(more).toBe(
      `events --config ${config.path} --cursor ${delivered} --source orders --limit 1`,
    );
    const second = await hookrelay(more.split(' '));
    expect(second.stdout).toMatch(new RegExp(`^ID .+\n${dead}\\s+order-dead\\s+orders\\s`));
    expect(second.stdout.trimEnd().split('\n').at(-1)).toMatch(/^1 event shown\./);

    const none = await run('events', '--source', 'orders', '--type', 'refund.*');
    expect([none.code, none.stdout]).toEqual([0, 'No events match.\n']);
    const bad = await run('events', '--status', 'lost');
    expect([bad.code, bad.stderr]).toEqual([
      1,
      expect.stringMatching(/^hookrelay: status: expected one of waiting, .+, dead\n$/),
    ]);
  });

  it('tail prints an event received after Ready within 2 s, then its delivery; --source other leaves it out', async () => {
    const all = follow('tail');
    const other = follow('tail', '--source', 'other');
    await all.waitForLine('stderr', (line) => line === READY('all'));
    await other.waitForLine('stderr', (line) => line === READY('other'));

    const sentAt = Date.now();
    const event = await sendStripe();
    const received = await all.waitForLine('stdout', (line) => line.includes(event.id), {
      timeoutMs: 2_000,
    });
    expect(received.at - sentAt).toBeLessThan(2_000);
    expect(received.text).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} {2}--> received {2}stripe {2}${event.id} {2}payment_intent\\.succeeded {2}\\(${event.providerId}\\)$`,
      ),
    );
    const attempt = await all.waitForLine(
      'stdout',
      (line) => line.includes(event.id) && line.includes('<--'),
    );
    expect(attempt.text).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} {2}<-- \\[200\\] stripe → default {2}${event.id} {2}attempt 1 {2}\\d+ ms {2}delivered$`,
      ),
    );
    expect(all.stdout.indexOf(attempt)).toBeGreaterThan(all.stdout.indexOf(received));

    // The other tail reads the same streams in order: once it shows an event sent later, it has
    // passed the Stripe one without printing it.
    const otherId = await sendPlain('other', 'other-1', 'thing.happened');
    await other.waitForLine(
      'stdout',
      (line) => line.includes(otherId) && line.includes('delivered'),
    );
    expect(other.stdout.map(({ text }) => text)).toEqual([
      expect.stringMatching(
        `--> received {2}other {2}${otherId} {2}thing\\.happened {2}\\(other-1\\)$`,
      ),
      expect.stringMatching(`<-- \\[200\\] other → default {2}${otherId} .+ delivered$`),
    ]);
    // Piped, never coloured.
    expect(all.stdout.some(({ text }) => text.includes('\u001b['))).toBe(false);

    // Ctrl-C (and SIGTERM) stop it cleanly: exit 0, nothing more said.
    expect(await all.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(await other.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(all.stderr.map(({ text }) => text)).toEqual([READY('all')]);
  });

  it('tail shows retries and dead letters with their reason, and --json prints one object per line', async () => {
    const human = follow('tail');
    const json = follow('--json', 'tail');
    await human.waitForLine('stderr', (line) => line === READY('all'));
    await json.waitForLine('stderr', (line) => line === READY('all'));

    relay.backend.rules.set([
      { path: '/stripe', status: 500, times: 1 },
      { path: '/orders', status: 400, times: 1 },
    ]);
    const event = await sendStripe();
    const dead = await sendPlain('orders', 'order-dead-2', 'order.paid');
    const line = (id: string, text: string) =>
      human.waitForLine('stdout', (l) => l.includes(id) && l.includes(text));
    expect((await line(event.id, 'retrying')).text).toMatch(
      new RegExp(
        `<-- \\[500\\] stripe → default {2}${event.id} {2}attempt 1 {2}\\d+ ms {2}retrying$`,
      ),
    );
    expect((await line(event.id, 'delivered')).text).toMatch(
      new RegExp(
        `<-- \\[200\\] stripe → default {2}${event.id} {2}attempt 2 {2}\\d+ ms {2}delivered$`,
      ),
    );
    expect((await line(dead, 'dead-lettered')).text).toMatch(
      new RegExp(
        `xx {2}\\[400\\] orders → default {2}${dead} {2}attempt 1 {2}\\d+ ms {2}dead-lettered: HTTP 400 from the backend — not retried$`,
      ),
    );

    await json.waitForLine('stdout', (l) => l.includes(event.id) && l.includes('"delivered"'));
    await json.waitForLine('stdout', (l) => l.includes(dead) && l.includes('"dead"'));
    const objects = json.stdout.map(({ text }) => JSON.parse(text) as LiveEvent);
    const ofStripe = objects.filter((e) => e.id === event.id);
    expect(ofStripe).toEqual([
      {
        kind: 'received',
        at: expect.any(Number),
        id: event.id,
        source: 'stripe',
        eventId: event.providerId,
        eventType: 'payment_intent.succeeded',
      },
      expect.objectContaining({ kind: 'attempt', attempt: 1, status: 500, outcome: 'retry' }),
      expect.objectContaining({ kind: 'attempt', attempt: 2, status: 200, outcome: 'delivered' }),
    ]);
    expect(objects.find((e) => e.id === dead && e.kind === 'attempt')).toMatchObject({
      source: 'orders',
      status: 400,
      outcome: 'dead',
      error: 'HTTP 400 from the backend',
    });
    expect(await json.stop()).toEqual({ code: 0, signal: null });
    expect(await human.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('hookrelay tail when Redis goes away', () => {
  it('stops with one line and exit code 1', async () => {
    const redis = await startTestRedis();
    const config = writeConfig(
      `redis: { url: ${redis.url} }\nsources:\n  a: { verify: { type: none }, destination: { url: "http://127.0.0.1:9" } }\n`,
    );
    const cli = spawnHookrelay(['tail'], { config: config.path });
    try {
      await cli.waitForLine('stderr', (line) => line === READY('all'));
      await redis.cleanup();
      expect(await cli.waitForExit()).toEqual({ code: 1, signal: null });
      expect(cli.stderr.map(({ text }) => text)).toEqual([
        READY('all'),
        'hookrelay: stopped following: lost the connection to Redis',
      ]);
    } finally {
      await cli.stop('SIGKILL');
      config.remove();
      await redis.cleanup();
    }
  });
});
