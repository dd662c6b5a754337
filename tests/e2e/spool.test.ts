import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@hookrelay/testing';
import { reconcile, stripeEventBody, streamThrough, withRig } from '../faults/fault-rig.js';
import { shortForms } from './short-forms.js';
import { run as spoolIngressRestart } from '../faults/spool-ingress-restart.js';
import {
  all202Check,
  appendTornRecord,
  drainedAfter,
  postEvent,
  readiness,
  readSegment,
  segmentFiles,
  spoolCounts,
} from '../faults/spool-kit.js';
import { run as spoolRedisOutage } from '../faults/spool-redis-outage.js';

/**
 * The ingress's durable local spool (`ingress.spool`, docs/spool.md), with real processes on
 * loopback (tests/faults/fault-rig.ts): while Redis is away the ingress fsyncs events to its spool
 * and answers 202, then drains them into Redis once it is back — across its own SIGKILL too.
 * The first two are the short forms of `npm run test:faults -- spool-redis-outage spool-ingress-restart`.
 */
describe('the ingress spool: Redis away, events still acknowledged and none lost', () => {
  const SPOOL = { maxBytes: '16mb' };

  const scenario = shortForms((row) => {
    expect(row.lost).toBe(0);
    expect(row.refused).toBe(0);
  });

  it('Redis SIGKILLed for 5 s mid-stream: every request answered 202, the spool drained, everything delivered', async () => {
    const row = await scenario(spoolRedisOutage);
    expect(row.delivered).toBeGreaterThanOrEqual(row.acknowledged);
  }, 60_000);

  it('200 events spooled, the ingress SIGKILLed and restarted with Redis still down: all 200 delivered', async () => {
    const row = await scenario(spoolIngressRestart);
    expect(row.acknowledged).toBe(200);
    expect(row.delivered).toBe(200);
  }, 45_000);

  it('a torn last record: reported and skipped at start, every whole record before it drained and delivered', async () => {
    await withRig({ name: 'spool-torn', workers: 1, spool: SPOOL }, async (rig) => {
      await rig.redis.server.stop('SIGKILL');
      const sender = streamThrough(rig, 'torn', { count: 30, ratePerSecond: 200, full: false });
      await sender.run();
      expect(all202Check(sender)).toMatchObject({ ok: true });
      await rig.killIngress();

      // The predecessor's records, by the documented format: whole, each CRC right.
      const files = segmentFiles(rig.spoolDir);
      expect(files.length).toBeGreaterThan(0);
      const segments = files.map(readSegment);
      expect(segments.flatMap((s) => s.records)).toHaveLength(30);
      expect(segments.flatMap((s) => s.records).every((r) => r.crcOk)).toBe(true);
      expect(segments.map((s) => s.rest)).toEqual(segments.map(() => 0));
      const last = files.at(-1)!;
      const tornAt = appendTornRecord(last);

      await rig.redis.server.start();
      await rig.startIngress();
      const result = await reconcile(rig, sender, { timeoutMs: 20_000 });
      expect(result).toMatchObject({ acknowledged: 30, delivered: 30, lost: 0 });

      const corrupt = rig.ingress
        .lines()
        .filter((line) => line.includes('"spool record corrupt"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(corrupt).toEqual([
        expect.objectContaining({
          level: 'error',
          segment: expect.stringContaining(basename(last)),
          offset: tornAt,
          reason: expect.any(String),
        }),
      ]);
      const counts = await waitFor(
        async () => {
          const now = await spoolCounts(rig);
          return now.events === 0 ? now : undefined;
        },
        { timeoutMs: 5_000, what: 'the spool empty' },
      );
      expect(counts).toMatchObject({ corrupt: 1, drained: 30, duplicate: 0 });
      // Drained, its segment is deleted.
      expect(segmentFiles(rig.spoolDir)).not.toContain(last);
    });
  }, 30_000);

  it('the spool full (maxBytes) with Redis down: 503 queue_unavailable with Retry-After, /readyz 503', async () => {
    await withRig({ name: 'spool-full', workers: 0, spool: { maxBytes: '8kb' } }, async (rig) => {
      await rig.redis.server.stop('SIGKILL');
      const statuses: number[] = [];
      let refusal: Awaited<ReturnType<typeof postEvent>> | undefined;
      for (let i = 0; i < 20 && !refusal; i++) {
        const answer = await postEvent(rig, stripeEventBody(`evt_spoolfull_${Date.now()}_${i}`));
        statuses.push(answer.status);
        if (answer.status !== 202) refusal = answer;
      }
      expect(statuses[0]).toBe(202);
      expect(refusal).toMatchObject({
        status: 503,
        body: { error: { code: 'queue_unavailable' } },
        retryAfter: expect.stringMatching(/^\d+$/),
      });
      expect(await readiness(rig)).toMatchObject({ code: 503 });

      // Redis back: the spool drains, and events are taken again.
      const backAt = Date.now();
      await rig.redis.server.start();
      await drainedAfter(rig, backAt, 15_000);
      expect(
        (await postEvent(rig, stripeEventBody(`evt_spoolfull_${Date.now()}_after`))).status,
      ).toBe(202);
    });
  }, 30_000);

  it('an event spooled (twice), drained, then re-sent by the provider: queued once, answered as a duplicate, delivered once', async () => {
    await withRig({ name: 'spool-dup', workers: 1, spool: SPOOL }, async (rig) => {
      const providerId = `evt_spooldup_${Date.now()}`;
      const body = stripeEventBody(providerId);
      await rig.redis.server.stop('SIGKILL');
      const first = await postEvent(rig, body);
      const twice = await postEvent(rig, body);
      expect(first).toMatchObject({
        status: 202,
        body: { received: true, id: expect.any(String) },
      });
      expect(twice.status).toBe(202);

      const backAt = Date.now();
      await rig.redis.server.start();
      const drained = await drainedAfter(rig, backAt, 15_000);
      expect(drained).toMatchObject({ drained: 1, duplicates: 1 });

      const resent = await postEvent(rig, body);
      expect(resent).toMatchObject({
        status: 200,
        body: { received: true, duplicate: true, id: first.body.id },
      });
      await rig.backend.arrivalAfter(String(first.body.id), backAt, 10_000);
      await sleep(1_000);
      const deliveries = rig.backend.arrivals.filter(
        (arrival) => arrival.providerId === providerId && arrival.delivered,
      );
      expect(deliveries.map((arrival) => arrival.id)).toEqual([first.body.id]);
      expect(await spoolCounts(rig)).toMatchObject({ spooled: 2, drained: 1, duplicate: 1 });
    });
  }, 30_000);

  it('a second ingress on the same spool directory exits 1, naming the lock', async () => {
    await withRig({ name: 'spool-lock', workers: 0, spool: SPOOL }, async (rig) => {
      const second = rig.spawnIngress(await freePort());
      const code = await Promise.race([second.exited, sleep(10_000).then(() => 'still running')]);
      expect(code).toBe(1);
      expect(second.lines().join('\n')).toMatch(/lock/i);
      expect(await readiness(rig)).toMatchObject({ code: 200, status: 'ready' });
    });
  }, 30_000);

  it('/readyz says degraded (200) while the ingress spools, ready again once drained', async () => {
    await withRig({ name: 'spool-readyz', workers: 0, spool: SPOOL }, async (rig) => {
      expect(await readiness(rig)).toMatchObject({ code: 200, status: 'ready' });
      await rig.redis.server.stop('SIGKILL');
      expect((await postEvent(rig, stripeEventBody(`evt_spoolready_${Date.now()}`))).status).toBe(
        202,
      );
      expect(await readiness(rig)).toMatchObject({ code: 200, status: 'degraded' });
      // Verification comes first: a bad signature is refused, not spooled.
      const forged = await fetch(rig.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
        body: stripeEventBody(`evt_spoolforged_${Date.now()}`),
      });
      expect(forged.status).toBe(400);
      expect(await spoolCounts(rig)).toMatchObject({ spooled: 1 });

      const backAt = Date.now();
      await rig.redis.server.start();
      await drainedAfter(rig, backAt, 15_000);
      await waitFor(async () => (await readiness(rig)).status === 'ready', {
        timeoutMs: 5_000,
        what: '/readyz ready after the drain',
      });
    });
  }, 30_000);
});
