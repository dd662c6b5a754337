import { Router, type Request } from 'express';
import type { Logger } from '@hookrelay/logger';
import {
  DEAD_LETTER_FILTERS,
  EVENT_FILTERS,
  InvalidFilterError,
  parseEventQuery,
  parseReplayRequest,
  type Ops,
} from '@hookrelay/ops';
import { requireJsonBody } from './json-body.js';

function optionalQuery(request: Request, name: string): string | undefined {
  const value = request.query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidFilterError(`${name}: give it once`);
  return value;
}

/** A filter this route does not know is refused, never ignored: ignoring it would answer with everything. */
function onlyQuery(request: Request, known: readonly string[]): void {
  const unknown = Object.keys(request.query).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    const expected = known.length > 0 ? `it takes ${known.join(', ')}` : 'it takes none';
    throw new InvalidFilterError(`unknown filter ${unknown.join(', ')}: ${expected}`);
  }
}

function limitOf(request: Request): number | undefined {
  const raw = optionalQuery(request, 'limit');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new InvalidFilterError('limit: expected a whole number');
  return Number(raw);
}

/**
 * docs/contract.md §6 ops API. Handlers only translate HTTP ↔ @hookrelay/ops (errors go to apiErrorHandler)
 * and log what changed, so the dashboard's log is the audit trail of operator actions.
 */
export function opsApi(ops: Ops, logger: Logger): Router {
  const api = Router();
  // Only the route that takes a body parses one: Bull Board's API, behind this router, parses its own.
  const jsonBody = requireJsonBody('256kb');

  api.get('/api/sources', async (request, response) => {
    onlyQuery(request, []);
    response.json({ sources: await ops.sourceCounts() });
  });

  api.get('/api/dead-letters', async (request, response) => {
    onlyQuery(request, DEAD_LETTER_FILTERS);
    response.json(
      await ops.listDeadLetters({
        source: optionalQuery(request, 'source'),
        limit: limitOf(request),
        id: optionalQuery(request, 'id'),
        eventId: optionalQuery(request, 'eventId'),
      }),
    );
  });

  api.post('/api/dead-letters/replay', ...jsonBody, async (request, response) => {
    const replayRequest = parseReplayRequest(request.body);
    const outcome = await ops.replayDeadLetters(replayRequest);
    const { ids, ...filter } = replayRequest;
    const { searched: _searched, unmatched, ...counts } = outcome;
    logger.info(outcome.dryRun ? 'replay dry run' : 'dead letters replayed', {
      ...filter,
      ids: ids?.length,
      ...counts,
      unmatched: unmatched.length || undefined,
    });
    // `unmatched`: the ids (ours or the provider's) that no dead event answers to, when there are any.
    // `overtaken`: replayed ordered events that events of their key were delivered after, when any.
    response.json({
      ...(outcome.dryRun
        ? { wouldReplay: outcome.wouldReplay }
        : {
            replayed: outcome.replayed,
            skipped: outcome.skipped,
            ...(outcome.overtaken > 0 ? { overtaken: outcome.overtaken } : {}),
          }),
      ...(unmatched.length > 0 ? { unmatched } : {}),
    });
  });

  api.get('/api/events', async (request, response) => {
    onlyQuery(request, EVENT_FILTERS);
    const input = Object.fromEntries(
      EVENT_FILTERS.map((name) => [name, optionalQuery(request, name)]),
    );
    response.json(await ops.listEvents(parseEventQuery(input)));
  });

  api.get('/api/events/:id', async (request, response) => {
    onlyQuery(request, []);
    response.json(await ops.showEvent(request.params.id as string));
  });

  api.post('/api/events/:id/replay', async (request, response) => {
    const replay = await ops.replayEvent(request.params.id as string);
    logger.info('event replayed', { id: replay.id, deliveries: replay.deliveries });
    response.json(replay);
  });

  api.post('/api/sources/:name/pause', async (request, response) => {
    const result = await ops.pauseSource(request.params.name as string);
    logger.info('source paused', { source: result.source, queues: result.queues });
    response.json(result);
  });

  api.post('/api/sources/:name/resume', async (request, response) => {
    const result = await ops.resumeSource(request.params.name as string);
    logger.info('source resumed', { source: result.source, queues: result.queues });
    response.json(result);
  });

  return api;
}
