import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_BOARD_WRITES } from '@hookrelay/dashboard';
import { waitFor } from '@hookrelay/testing';
import {
  DEAD_LETTERS,
  QUEUE,
  queueState,
  SOURCE,
  startWithDeadLetters,
  type DeadLetterSetup,
} from './dashboard-security-fixture.js';
import { post } from './harness.js';
import { concretePath, routeTable } from './route-table.js';

const FORGED_ID = 'evt_forged_from_the_board';

describe('Bull Board is read-and-retry only', () => {
  let setup: DeadLetterSetup;
  const board = (method: string, path: string, body?: unknown) =>
    fetch(`${setup.dashboard.http.url}${path}`, {
      method,
      headers: { authorization: setup.dashboard.basic, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const deliveredTo = (id: string) =>
    setup.relay.backend.store.list({ id }).filter((delivery) => delivery.status === 200);

  beforeAll(async () => {
    // Workers keep running and the backend now accepts: anything the board queued would be delivered.
    setup = await startWithDeadLetters({ keepWorkers: true });
    setup.relay.backend.rules.set([]);
  });
  afterAll(() => setup?.close());

  it("its add route, with valid credentials, queues nothing, so the backend never gets a signed event of the operator's making", async () => {
    const dead = (await setup.relay.queue(SOURCE).getJob(setup.ids[0]!))!;
    const before = await queueState(setup.relay);
    const answer = await board('POST', `/api/queues/${QUEUE}/add`, {
      name: dead.name,
      data: { ...dead.data, id: FORGED_ID, body: '{"type":"refund.approved","amount":1e9}' },
      options: { jobId: FORGED_ID },
    });
    expect(answer.status).toBe(403);
    expect(await setup.relay.queue(SOURCE).getJob(FORGED_ID)).toBeUndefined();
    expect(await queueState(setup.relay)).toEqual(before);
    // A live event sent after it is delivered; nothing forged went first or alongside.
    const sentinel = (await post(setup.relay, `/webhooks/${SOURCE}`, '{"n":"sentinel"}')).body!
      .id as string;
    await waitFor(() => deliveredTo(sentinel).length === 1, { what: 'the sentinel delivered' });
    expect(deliveredTo(FORGED_ID)).toEqual([]);
    expect(setup.relay.backend.store.list().filter((d) => d.status === 200)).toHaveLength(1);
  });

  it('clean, empty, obliterate, job removal and job edits are refused, and the dead letters stay as they were', async () => {
    const id = setup.ids[0]!;
    const data = (await setup.relay.queue(SOURCE).getJob(id))!.data as unknown;
    const before = await queueState(setup.relay);
    const attempts: [string, string, unknown][] = [
      ['PUT', `/api/queues/${QUEUE}/clean/failed`, undefined],
      ['PUT', `/api/queues/${QUEUE}/empty`, undefined],
      ['PUT', `/api/queues/${QUEUE}/obliterate`, { force: true }],
      ['PUT', `/api/queues/${QUEUE}/${id}/clean`, undefined],
      ['PATCH', `/api/queues/${QUEUE}/${id}/update-data`, { jobData: { body: 'edited' } }],
      ['PATCH', `/api/queues/${QUEUE}/${id}/priority`, { priority: 1 }],
      ['PUT', `/api/queues/${QUEUE}/concurrency`, { concurrency: 1 }],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await board(method, path, body);
      expect([method, path, answer.status]).toEqual([method, path, 403]);
    }
    expect(await queueState(setup.relay)).toEqual(before);
    expect(before.counts.failed).toBe(DEAD_LETTERS);
    expect((await setup.relay.queue(SOURCE).getJob(id))!.data).toEqual(data);
  });

  it("every write route in Bull Board's table that is not allowed answers 403", async () => {
    const refused = routeTable(setup.dashboard.app.board).filter(
      ({ method, path }) =>
        method !== 'GET' &&
        path.startsWith('/api/') &&
        !ALLOWED_BOARD_WRITES.has(`${method} ${path}`),
    );
    expect(refused.length).toBeGreaterThanOrEqual(15);
    const statuses = await Promise.all(
      refused.map(async ({ method, path }) => [
        `${method} ${path}`,
        (await board(method, concretePath(path).replace('sample-queueName', QUEUE), {})).status,
      ]),
    );
    expect(statuses.filter(([, status]) => status !== 403)).toEqual([]);
  });

  it('retrying a dead job, and retrying all of them, still work from the board and deliver each event under its own id', async () => {
    const [first, ...rest] = setup.ids;
    expect((await board('PUT', `/api/queues/${QUEUE}/${first}/retry`)).status).toBe(204);
    await waitFor(() => deliveredTo(first!).length === 1, { what: 'the retried event delivered' });
    const all = await board('PUT', `/api/queues/${QUEUE}/retry/failed`);
    expect([all.status, await all.json()]).toEqual([200, { retried: rest.length, skipped: 0 }]);
    await waitFor(() => rest.every((id) => deliveredTo(id).length === 1), {
      what: 'every dead letter delivered',
    });
    expect(deliveredTo(first!)[0]!.headers['x-hookrelay-id']).toBe(first);
  });
});
