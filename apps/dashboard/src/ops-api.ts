import { Router, type Request } from 'express';
import type { Logger } from '@hookrelay/logger';
import { InvalidFilterError, parseReplayRequest, type Ops } from '@hookrelay/ops';
import { requireJsonBody } from './json-body.js';

function optionalQuery(request: Request, name: string): string | undefined {
  const value = request.query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidFilterError(`${name}: give it once`);
  return value;
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

  api.get('/api/sources', async (_request, response) => {
    response.json({ sources: await ops.sourceCounts() });
  });

  api.get('/api/dead-letters', async (request, response) => {
    response.json(
      await ops.listDeadLetters({
        source: optionalQuery(request, 'source'),
        limit: limitOf(request),
      }),
    );
  });

  api.post('/api/dead-letters/replay', ...jsonBody, async (request, response) => {
    const replayRequest = parseReplayRequest(request.body);
    const outcome = await ops.replayDeadLetters(replayRequest);
    const { ids, ...filter } = replayRequest;
    logger.info(outcome.dryRun ? 'replay dry run' : 'dead letters replayed', {
      ...filter,
      ids: ids?.length,
      ...outcome,
    });
    response.json(
      outcome.dryRun
        ? { wouldReplay: outcome.wouldReplay }
        : { replayed: outcome.replayed, skipped: outcome.skipped },
    );
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
