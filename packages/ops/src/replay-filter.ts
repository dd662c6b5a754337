import { z } from 'zod';
import { parseDuration } from '@hookrelay/units';
import { InvalidFilterError } from './errors.js';

/** What to replay, as the API body and the CLI flags give it. Every field narrows the selection. */
export interface ReplayRequest {
  readonly source?: string;
  /** Each a hookrelay event id (`evt_…`) or a provider's event id (the dead letter's `eventId`). */
  readonly ids?: readonly string[];
  /** Received at or after: an instant (ISO 8601, epoch ms) or a duration back from now (`2h`, `30m`). */
  readonly since?: string | number;
  /** Received at or before: same forms as `since`. */
  readonly until?: string | number;
  readonly dryRun?: boolean;
  /** Replays started per second (default DEFAULT_REPLAY_RATE). */
  readonly rate?: number;
}

/**
 * Replays started per second by default. Priority keeps replays behind live events in the queue;
 * the pace keeps their deliveries from taking the worker's CPU and Redis from live events (measured
 * in tests/e2e/replay-latency.test.ts). Raise it when the worker has headroom.
 */
export const DEFAULT_REPLAY_RATE = 200;
export const MAX_REPLAY_RATE = 100_000;

/** A ReplayRequest with its time window resolved to epoch milliseconds. */
export interface ReplayFilter {
  readonly source?: string;
  readonly ids?: ReadonlySet<string>;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly dryRun: boolean;
  readonly rate: number;
}

const instant = z.union([z.string().min(1), z.number()]);
const requestSchema = z.strictObject({
  source: z.string().min(1).optional(),
  ids: z.array(z.string().min(1)).min(1).optional(),
  since: instant.optional(),
  until: instant.optional(),
  dryRun: z.boolean().optional(),
  rate: z.number().int().min(1).max(MAX_REPLAY_RATE).optional(),
});

/**
 * Validates an untrusted body (POST /api/dead-letters/replay); throws InvalidFilterError naming the
 * field. A missing body is an error, not "no filter": replaying everything takes an explicit `{}`.
 */
export function parseReplayRequest(body: unknown): ReplayRequest {
  const result = requestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new InvalidFilterError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return result.data;
}

const AGO = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/i;

/** `2h` → now − 2 h; `2026-05-01T10:00:00Z`, or epoch milliseconds (number or digits) → that instant. */
export function resolveInstant(value: string | number, field: string, nowMs: number): number {
  if (typeof value === 'string' && AGO.test(value)) return nowMs - parseDuration(value)!;
  const at =
    typeof value === 'number'
      ? value
      : /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : Date.parse(value);
  if (Number.isFinite(at) && at >= 0) return at;
  throw new InvalidFilterError(
    `${field}: expected a duration back from now (30m, 2h, 7d) or a date (2026-05-01T10:00:00Z)`,
  );
}

function checkRate(rate: number | undefined): number {
  if (rate === undefined) return DEFAULT_REPLAY_RATE;
  if (!Number.isInteger(rate) || rate < 1 || rate > MAX_REPLAY_RATE) {
    throw new InvalidFilterError(
      `rate: expected a whole number of replays a second from 1 to ${MAX_REPLAY_RATE}`,
    );
  }
  return rate;
}

export function resolveReplayFilter(request: ReplayRequest, nowMs = Date.now()): ReplayFilter {
  const sinceMs =
    request.since === undefined ? undefined : resolveInstant(request.since, 'since', nowMs);
  const untilMs =
    request.until === undefined ? undefined : resolveInstant(request.until, 'until', nowMs);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw new InvalidFilterError('since: must not be after until');
  }
  return {
    source: request.source,
    ids: request.ids ? new Set(request.ids) : undefined,
    sinceMs,
    untilMs,
    dryRun: request.dryRun ?? false,
    rate: checkRate(request.rate),
  };
}
