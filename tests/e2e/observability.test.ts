import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, spoolMetrics } from '@hookrelay/metrics';
import { EVENT_STATUSES } from '@hookrelay/queue';
import { waitFor } from '@hookrelay/testing';
import { startDashboard } from './dashboard-harness.js';
import { post, RELAY_SECRET, startRelay, STRIPE_SECRET, type Relay } from './harness.js';
import { declaredNames, parsePrometheus, valueOf, type Sample } from './prometheus-text.js';

const SECRET = 'obs-hmac-secret-0123456789';
const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('hex');
const source = (name: string) => `
  ${name}:
    verify: { type: hmac, header: x-signature, secret: ${SECRET} }
    event: { id: body.id, type: body.event }
    retry: { attempts: 3, backoff: fixed, delay: 50ms }
    destination: { url: \${BACKEND_URL}/${name} }`;

describe('metrics, request ids and logs after a scripted run', () => {
  let relay: Relay;
  const signatures: string[] = [];

  const send = async (name: string, body: string, headers: Record<string, string> = {}) => {
    const signature = sign(body);
    signatures.push(signature);
    return post(relay, `/webhooks/${name}`, body, { 'x-signature': signature, ...headers });
  };

  beforeAll(async () => {
    relay = await startRelay({
      yaml: `signing: { secret: ${RELAY_SECRET} }\nsources:${source('ok')}${source('flaky')}${source('dead')}\n`,
    });
    relay.backend.rules.set([
      { path: '/flaky', status: 500, times: 1 },
      { path: '/dead', status: 400 },
    ]);
    for (let i = 1; i <= 3; i++)
      expect(
        (await send('ok', JSON.stringify({ id: `ok-${i}`, event: 'payment.succeeded' }))).status,
      ).toBe(202);
    expect(
      (await send('ok', JSON.stringify({ id: 'ok-1', event: 'payment.succeeded' }))).status,
    ).toBe(200);
    expect((await post(relay, '/webhooks/ok', '{"id":"x"}')).status).toBe(401);
    expect(
      (await post(relay, '/webhooks/ok', '{"id":"x"}', { 'x-signature': 'deadbeef' })).status,
    ).toBe(400);
    expect(
      (
        await send('flaky', JSON.stringify({ id: 'flaky-1', event: 'payment.failed' }), {
          'x-request-id': 'trace-flaky-1',
        })
      ).status,
    ).toBe(202);
    expect(
      (await send('dead', JSON.stringify({ id: 'dead-1', event: 'payment.succeeded' }))).status,
    ).toBe(202);
    await waitFor(async () => (await relay.queue('ok').getJobCounts('completed')).completed === 3);
    await waitFor(
      async () => (await relay.queue('flaky').getJobCounts('completed')).completed === 1,
    );
    await waitFor(async () => (await relay.queue('dead').getJobCounts('failed')).failed === 1);
  });
  afterAll(() => relay.close());

  async function scrape(): Promise<{ ingress: Sample[]; worker: Sample[] }> {
    const ingressText = await (await fetch(`${relay.ingress.url}/metrics`)).text();
    return {
      ingress: parsePrometheus(ingressText),
      worker: parsePrometheus(await relay.metrics.worker.metrics()),
    };
  }

  it('counts every ingress outcome exactly', async () => {
    const { ingress } = await scrape();
    const requests = (labels: Record<string, string>) =>
      valueOf(ingress, 'hookrelay_ingress_requests_total', labels);
    expect(requests({ source: 'ok', outcome: 'accepted' })).toBe(3);
    expect(requests({ source: 'ok', outcome: 'duplicate' })).toBe(1);
    expect(requests({ source: 'ok', outcome: 'rejected', code: 'signature_missing' })).toBe(1);
    expect(requests({ source: 'ok', outcome: 'rejected', code: 'signature_invalid' })).toBe(1);
    expect(requests({ source: 'flaky', outcome: 'accepted' })).toBe(1);
    expect(requests({ source: 'dead', outcome: 'accepted' })).toBe(1);
    expect(requests({ outcome: 'unavailable' })).toBe(0);
    expect(valueOf(ingress, 'hookrelay_ingress_ack_duration_seconds_count', { source: 'ok' })).toBe(
      6,
    );
    expect(valueOf(ingress, 'hookrelay_process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('counts every delivery attempt, delivery and dead letter exactly', async () => {
    const { worker } = await scrape();
    const attempts = (labels: Record<string, string>) =>
      valueOf(worker, 'hookrelay_delivery_attempts_total', labels);
    expect(attempts({ source: 'ok', destination: 'default', outcome: '2xx' })).toBe(3);
    expect(attempts({ source: 'flaky', outcome: '5xx' })).toBe(1);
    expect(attempts({ source: 'flaky', outcome: '2xx' })).toBe(1);
    expect(attempts({ source: 'dead', outcome: '4xx' })).toBe(1);
    expect(attempts({})).toBe(6);
    expect(valueOf(worker, 'hookrelay_delivery_attempt_duration_seconds_count')).toBe(6);
    expect(valueOf(worker, 'hookrelay_delivery_end_to_end_seconds_count')).toBe(4);
    expect(valueOf(worker, 'hookrelay_dead_letters_total', { source: 'dead' })).toBe(1);
    expect(valueOf(worker, 'hookrelay_dead_letters_total')).toBe(1);
  });

  it('reports events per status matching the queues, and Redis as up', async () => {
    const { worker } = await scrape();
    const depth = (source: string, state: string) =>
      valueOf(worker, 'hookrelay_queue_jobs', { source, state });
    expect(
      new Set(worker.filter((s) => s.name === 'hookrelay_queue_jobs').map((s) => s.labels.state)),
    ).toEqual(new Set(EVENT_STATUSES));
    for (const name of ['ok', 'flaky', 'dead']) {
      const counts = await relay
        .queue(name)
        .getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
      expect([
        depth(name, 'waiting'),
        depth(name, 'scheduled') + depth(name, 'retrying'),
        depth(name, 'delivering'),
        depth(name, 'delivered'),
        depth(name, 'dead'),
      ]).toEqual([
        counts.waiting! + counts.prioritized!,
        counts.delayed,
        counts.active,
        counts.completed,
        counts.failed,
      ]);
    }
    expect([depth('ok', 'delivered'), depth('flaky', 'delivered'), depth('dead', 'dead')]).toEqual([
      3, 1, 1,
    ]);
    expect(valueOf(worker, 'hookrelay_queue_paused', { source: 'ok' })).toBe(0);
    await relay.queue('ok').pause();
    expect(valueOf((await scrape()).worker, 'hookrelay_queue_paused', { source: 'ok' })).toBe(1);
    await relay.queue('ok').resume();
    expect(valueOf(worker, 'hookrelay_redis_up')).toBe(1);
  });

  it('serves the same queue gauges on the dashboard, behind its credentials, in the words of /api/sources', async () => {
    const dashboard = await startDashboard(relay);
    try {
      expect((await fetch(`${dashboard.http.url}/metrics`)).status).toBe(401);
      const response = await fetch(`${dashboard.http.url}/metrics`, {
        headers: { authorization: dashboard.basic },
      });
      expect(response.status).toBe(200);
      const samples = parsePrometheus(await response.text());
      expect(
        valueOf(samples, 'hookrelay_queue_jobs', {
          app: 'dashboard',
          source: 'dead',
          state: 'dead',
        }),
      ).toBe(1);
      const { sources } = (await dashboard.api('/api/sources')).body as {
        sources: { name: string; destinations: ({ name: string } & Record<string, unknown>)[] }[];
      };
      for (const source of sources)
        for (const destination of source.destinations)
          for (const state of EVENT_STATUSES)
            expect(
              valueOf(samples, 'hookrelay_queue_jobs', {
                source: source.name,
                destination: destination.name,
                state,
              }),
              `${source.name}/${destination.name} ${state}`,
            ).toBe(destination[state]);
      expect(valueOf(samples, 'hookrelay_redis_up')).toBe(1);
    } finally {
      await dashboard.close();
    }
  });

  it('carries one request id from the ingress log through every worker attempt to the backend', async () => {
    const lines = relay.logs.entries().filter((entry) => entry.requestId === 'trace-flaky-1');
    expect(lines.map((l) => `${l.app}:${l.message}`)).toEqual([
      'ingress:received',
      'ingress:enqueued',
      'worker:delivery attempt failed',
      'worker:delivered',
    ]);
    expect(lines.map((l) => l.attempt).slice(2)).toEqual([1, 2]);
    const received = relay.backend.store.list({ path: '/flaky' });
    expect(received.map((d) => d.headers['x-request-id'])).toEqual([
      'trace-flaky-1',
      'trace-flaky-1',
    ]);
    expect(received.every((d) => d.signatureValid === true)).toBe(true);
  });

  it('never writes a secret or a signature value to the logs', () => {
    const everything = relay.logs.lines.join('\n');
    expect(relay.logs.lines.length).toBeGreaterThan(10);
    for (const secret of [
      SECRET,
      RELAY_SECRET,
      RELAY_SECRET.slice(6),
      STRIPE_SECRET,
      ...signatures,
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/"body"/);
  });
});

describe('the Grafana dashboard and the alert rules', () => {
  const deployFile = (path: string) =>
    readFileSync(new URL(`../../deploy/${path}`, import.meta.url), 'utf8');
  const referenced = (text: string) =>
    new Set([...text.matchAll(/\bhookrelay_[a-z_]+\b/g)].map((m) => m[0]));

  it('reference only metric names the apps export', async () => {
    const relay = await startRelay({
      yaml: `sources:\n  s:\n    verify: { type: none }\n    destination: { url: \${BACKEND_URL}/s }\n`,
    });
    try {
      await post(relay, '/webhooks/s', '{}');
      await waitFor(async () => (await relay.queue('s').getJobCounts('completed')).completed === 1);
      const ingressText = await (await fetch(`${relay.ingress.url}/metrics`)).text();
      // The spool's metrics exist only on an ingress with `ingress.spool` (docs/spool.md).
      const withSpool = createRegistry('ingress');
      spoolMetrics(withSpool, { pending: 0, bytes: 0 });
      const exported = new Set([
        ...declaredNames(ingressText),
        ...declaredNames(await relay.metrics.worker.metrics()),
        ...declaredNames(await withSpool.metrics()),
      ]);
      const grafana = referenced(deployFile('grafana/hookrelay.json'));
      const alerts = referenced(deployFile('prometheus/alerts.yml'));
      expect(grafana.size).toBeGreaterThan(5);
      expect(alerts.size).toBeGreaterThan(3);
      for (const name of [...grafana, ...alerts]) expect(exported, name).toContain(name);
    } finally {
      await relay.close();
    }
  });

  it('select queue gauges only by event statuses the apps export', () => {
    const states = (text: string) =>
      [...text.matchAll(/\bstate\s*(?:=~|!~|!=|=)\s*\\?"([^"\\]*)\\?"/g)].flatMap((m) =>
        m[1]!.split('|'),
      );
    const used = [
      ...states(deployFile('grafana/hookrelay.json')),
      ...states(deployFile('prometheus/alerts.yml')),
    ];
    expect(used.length).toBeGreaterThan(3);
    for (const state of used) expect(EVENT_STATUSES, state).toContain(state);
  });
});
