import type { createBullBoard } from '@bull-board/api';

// Bull Board's index does not export its hook types; they are read off createBullBoard's options.
type BoardHooks = NonNullable<
  NonNullable<Parameters<typeof createBullBoard>[0]['options']>['handlerHooks']
>;
type BeforeHook = NonNullable<BoardHooks['before']>;

/**
 * The Bull Board API routes that change something and that hookrelay keeps (method + route
 * pattern, exactly as Bull Board declares them). Retry and promote go through ReplayableJob, so
 * they are hookrelay replays; pausing a queue holds deliveries without losing any.
 *
 * Everything else that writes is off (docs/contract.md §6: read-and-retry only): `add` and a job's
 * "duplicate" would enqueue a job of the operator's making, which the worker would deliver with
 * the relay's own signature and the backend's token; `update-data`, `delay` and `priority` edit
 * a job; `clean`, `empty`, `obliterate` and `remove-unprocessed-children` delete jobs; concurrency,
 * rate-limit and job-scheduler routes change settings that belong to hookrelay.yaml.
 */
export const ALLOWED_BOARD_WRITES: ReadonlySet<string> = new Set([
  'PUT /api/queues/pause',
  'PUT /api/queues/resume',
  'PUT /api/queues/:queueName/pause',
  'PUT /api/queues/:queueName/resume',
  'PUT /api/queues/:queueName/retry/:queueStatus',
  'PUT /api/queues/:queueName/:jobId/retry',
  'PUT /api/queues/:queueName/promote',
  'PUT /api/queues/:queueName/:jobId/promote',
]);

/** `PUT /api/queues/:queueName/add` — the key a Bull Board route has in ALLOWED_BOARD_WRITES. */
export function boardRouteKey(method: string, route: string): string {
  return `${method.toUpperCase()} ${route}`;
}

/** Reads are always allowed; a write only when listed, so a write route added by an upgrade is off. */
export function isBoardActionAllowed(method: string, route: string): boolean {
  return method.toLowerCase() === 'get' || ALLOWED_BOARD_WRITES.has(boardRouteKey(method, route));
}

/**
 * Bull Board's `handlerHooks.before`: it runs for every API route with the route Bull Board
 * actually dispatched to, so the allow-list never has to re-match paths itself. A refusal is a
 * 403 in Bull Board's own error shape, which its UI shows as a notice.
 */
export const guardBoardActions: BeforeHook = ({ method, route }) => {
  if (isBoardActionAllowed(method, route)) return undefined;
  return {
    allow: false,
    status: 403,
    errorKey: 'ERRORS.FORBIDDEN',
    message: `${boardRouteKey(method, route)} is disabled in hookrelay: the board is read-and-retry only`,
  };
};
