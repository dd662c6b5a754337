import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { startOpsFixture, type OpsFixture } from './setup.js';

const SOURCES = ['payment', 'mirror', 'fresh', 'window']
  .map(
    (name) => `
  ${name}:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/${name}" }
    retry: { attempts: 1 }`,
  )
  .join('');

describe('dead letters by the provider event id', () => {
  let fx: OpsFixture;
  const dead = async (source: string) =>
    (await fx.ops.sourceCounts(source))[0]!.destinations[0]!.dead;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    fx = await startOpsFixture(SOURCES);
    fx.backendUp = false;
    for (const source of ['payment', 'mirror']) fx.startWorker(source);
    for (const eventId of ['TX-3001', 'TX-3002', 'TX-3003'])
      ids[eventId] = await fx.send('payment', { eventId });
    ids.mirror = await fx.send('mirror', { eventId: 'TX-3003' });
    await waitFor(async () => (await dead('payment')) === 3 && (await dead('mirror')) === 1, {
      what: 'the events to die',
    });
  });
  afterAll(() => fx.close());

  it('the list finds an event by its provider id (eventId), and by either id (id)', async () => {
    const byEventId = await fx.ops.listDeadLetters({ eventId: 'TX-3001' });
    expect(byEventId.total).toBe(1);
    expect(byEventId.deadLetters).toEqual([
      expect.objectContaining({ id: ids['TX-3001'], eventId: 'TX-3001', source: 'payment' }),
    ]);
    const byId = await fx.ops.listDeadLetters({ id: 'TX-3002' });
    expect(byId.deadLetters.map((d) => d.id)).toEqual([ids['TX-3002']]);
    const byOurId = await fx.ops.listDeadLetters({ id: ids['TX-3002'] });
    expect(byOurId.deadLetters.map((d) => d.eventId)).toEqual(['TX-3002']);
    // eventId is the provider's id only; a source narrows the search.
    expect((await fx.ops.listDeadLetters({ eventId: ids['TX-3002'] })).total).toBe(0);
    expect((await fx.ops.listDeadLetters({ eventId: 'TX-3003' })).total).toBe(2);
    expect(
      (await fx.ops.listDeadLetters({ eventId: 'TX-3003', source: 'mirror' })).deadLetters,
    ).toEqual([expect.objectContaining({ id: ids.mirror, source: 'mirror' })]);
  });

  it('a replay selects by either id, and names the ids that matched no dead event', async () => {
    expect(
      await fx.ops.replayDeadLetters({ ids: ['TX-3001', ids['TX-3002']!], dryRun: true }),
    ).toMatchObject({ wouldReplay: 2, unmatched: [] });
    expect(
      await fx.ops.replayDeadLetters({ source: 'payment', ids: ['TX-9999'], dryRun: true }),
    ).toEqual({ dryRun: true, wouldReplay: 0, searched: ['payment'], unmatched: ['TX-9999'] });
  });

  it('one event is replayed by its provider id; one carried by two events is refused', async () => {
    await expect(fx.ops.replayEvent('TX-3003')).rejects.toMatchObject({
      status: 409,
      code: 'event_ambiguous',
      ids: expect.arrayContaining([ids['TX-3003'], ids.mirror]),
    });
    await expect(fx.ops.replayEvent('TX-9999')).rejects.toMatchObject({
      status: 404,
      message: 'no retained event with id or provider id "TX-9999"',
    });
    expect(await fx.ops.replayEvent('TX-3001')).toEqual({
      id: ids['TX-3001'],
      replayed: 1,
      deliveries: [{ source: 'payment', destination: 'default', from: 'dead' }],
    });
    await waitFor(async () => (await fx.ops.listDeadLetters({ eventId: 'TX-3001' })).total === 1, {
      what: 'the replayed event to die again',
    });
  });
});
