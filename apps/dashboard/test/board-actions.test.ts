import { appRoutes } from '@bull-board/api/dist/routes.js';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_BOARD_WRITES,
  boardRouteKey,
  guardBoardActions,
  isBoardActionAllowed,
} from '../src/board-actions.js';

/**
 * Every Bull Board write route hookrelay turns off, decided one by one. A Bull Board upgrade that
 * adds a write route fails the first test below until someone decides on it here or in
 * ALLOWED_BOARD_WRITES (until then the guard refuses it anyway).
 */
const DISABLED_BOARD_WRITES = [
  'POST /api/queues/:queueName/add',
  'PUT /api/queues/:queueName/clean/:queueStatus',
  'PUT /api/queues/:queueName/concurrency',
  'PUT /api/queues/:queueName/rate-limit',
  'PUT /api/queues/:queueName/rate-limit/release',
  'PUT /api/queues/:queueName/empty',
  'PUT /api/queues/:queueName/obliterate',
  'PUT /api/queues/:queueName/job-schedulers/:schedulerId/remove',
  'PATCH /api/queues/:queueName/job-schedulers/:schedulerId',
  'PUT /api/queues/:queueName/job-schedulers/:schedulerId/run',
  'PUT /api/queues/:queueName/:jobId/clean',
  'PATCH /api/queues/:queueName/:jobId/update-data',
  'PATCH /api/queues/:queueName/:jobId/delay',
  'PATCH /api/queues/:queueName/:jobId/priority',
  'PUT /api/queues/:queueName/:jobId/remove-unprocessed-children',
];

/** Bull Board's own API route table, one entry per method and route, as its hook sees them. */
const boardRoutes = appRoutes.api.flatMap((route) =>
  (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({
    method,
    route: Array.isArray(route.route) ? route.route[0]! : route.route,
  })),
);
const writes = boardRoutes.filter(({ method }) => method !== 'get');
const guard = (method: (typeof boardRoutes)[number]['method'], route: string) =>
  guardBoardActions({ method, route, request: undefined as never });

describe("Bull Board's actions in hookrelay", () => {
  it("every write route in Bull Board's table is either allowed or disabled on purpose", () => {
    const undecided = writes
      .map(({ method, route }) => boardRouteKey(method, route))
      .filter((key) => !ALLOWED_BOARD_WRITES.has(key) && !DISABLED_BOARD_WRITES.includes(key));
    expect(undecided, 'new Bull Board write routes: allow or disable each').toEqual([]);
    expect(writes.length).toBe(ALLOWED_BOARD_WRITES.size + DISABLED_BOARD_WRITES.length);
  });

  it('every allowed write is a route Bull Board has (no stale entries)', () => {
    const keys = new Set(writes.map(({ method, route }) => boardRouteKey(method, route)));
    expect([...ALLOWED_BOARD_WRITES].filter((key) => !keys.has(key))).toEqual([]);
  });

  it('keeps retry, retry-all, promote and pause/resume; nothing that adds, edits or deletes', () => {
    expect([...ALLOWED_BOARD_WRITES].sort()).toEqual([
      'PUT /api/queues/:queueName/:jobId/promote',
      'PUT /api/queues/:queueName/:jobId/retry',
      'PUT /api/queues/:queueName/pause',
      'PUT /api/queues/:queueName/promote',
      'PUT /api/queues/:queueName/resume',
      'PUT /api/queues/:queueName/retry/:queueStatus',
      'PUT /api/queues/pause',
      'PUT /api/queues/resume',
    ]);
  });

  it('the guard lets every read and every allowed write through, and refuses the rest with 403', () => {
    for (const { method, route } of boardRoutes) {
      const allowed = method === 'get' || ALLOWED_BOARD_WRITES.has(boardRouteKey(method, route));
      expect([method, route, guard(method, route)]).toEqual([
        method,
        route,
        allowed
          ? undefined
          : {
              allow: false,
              status: 403,
              errorKey: 'ERRORS.FORBIDDEN',
              message: expect.stringContaining('read-and-retry only'),
            },
      ]);
    }
  });

  it('refuses a write route it has never heard of (an upgrade is off until decided)', () => {
    expect(isBoardActionAllowed('post', '/api/queues/:queueName/something-new')).toBe(false);
    expect(isBoardActionAllowed('PUT', '/api/queues/:queueName/:jobId/retry')).toBe(true);
    expect(isBoardActionAllowed('get', '/api/queues/:queueName/anything')).toBe(true);
  });
});
