import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@hookrelay/testing';
import { failureText } from '../src/index.js';
import { startOpsFixture, type OpsFixture } from './setup.js';

const STORED_BEFORE = `UnrecoverableError: HTTP 400 (attempt 1 of 10)
    at Worker.processFn (file:///app/apps/worker/dist/processor.js:55:19)
    at async Worker.processJob (file:///app/node_modules/bullmq/dist/esm/classes/worker.js:565:28)`;

describe('a stored failure as operators read it', () => {
  it('is its first line, without stack frames or the error class', () => {
    expect(failureText(STORED_BEFORE)).toBe('HTTP 400 (attempt 1 of 10)');
    expect(failureText('HTTP 400 from the backend — not retried')).toBe(
      'HTTP 400 from the backend — not retried',
    );
  });

  describe('in the dead-letter list and to Bull Board (every job read through the ops queues)', () => {
    let fx: OpsFixture;
    beforeAll(async () => {
      fx = await startOpsFixture(`
  legacy:
    verify: { type: none }
    destination: { url: "http://127.0.0.1:9/legacy" }
    retry: { attempts: 1 }`);
    });
    afterAll(() => fx.close());

    it('a dead letter stored with a stack shows one line and no stack', async () => {
      fx.backendUp = false;
      fx.startWorker('legacy'); // throws errors with a stack, as hookrelay did before
      const id = await fx.send('legacy');
      const { queue } = fx.ops.queues.ofSource('legacy')[0]!;
      await waitFor(async () => (await queue.getJobState(id)) === 'failed');
      await fx.connection.hset(queue.toKey(id), 'failedReason', STORED_BEFORE);
      const raw = await fx.connection.hget(queue.toKey(id), 'stacktrace');
      expect(raw).toContain('    at ');

      const [listed] = (await fx.ops.listDeadLetters({ source: 'legacy' })).deadLetters;
      expect(listed!.lastError).toBe('HTTP 400 (attempt 1 of 10)');
      const job = (await queue.getFailed())[0]!;
      expect([job.failedReason, job.stacktrace]).toEqual(['HTTP 400 (attempt 1 of 10)', []]);
    });
  });
});
