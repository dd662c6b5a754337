import type { Queue } from 'bullmq';
import type { RedisClient } from './connection.js';
import { deliveryQueueName } from './names.js';

/*
 * The circuit breaker of one destination (docs/contract.md §5 "Protecting the backend"), kept in
 * Redis so that every worker process shares it. One hash, `<prefix>:<queue name>:breaker`:
 *
 *   state       closed | open | half-open (missing: closed)
 *   winStart    when the current window of attempts began (Redis time, ms)
 *   requests    attempts recorded in that window
 *   failures    of them, retryable failures (5xx, timeouts, connection errors, 408/425/429)
 *   until       while open: when the cooldown ends
 *   cooldown    the cooldown in force (the base one, doubled after each failed probe, up to the cap)
 *   probe       while half-open: the token of the guard whose attempt is the probe
 *   probeUntil  …and when its lease ends (a crashed prober's probe is taken over after that)
 *
 * Every change is made by one of the two Lua scripts below, so two worker processes never race a
 * transition; the time is Redis's, so worker clocks do not matter.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Gauge value of each state (`hookrelay_breaker_state`): 0 closed, 1 half-open, 2 open. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = {
  closed: 0,
  'half-open': 1,
  open: 2,
};

export interface BreakerSettings {
  /** 0–1: the share of retryable failures among the window's attempts that opens the breaker. */
  readonly failureRate: number;
  readonly minRequests: number;
  readonly windowMs: number;
  readonly cooldownMs: number;
}

export function breakerKey(prefix: string, source: string, destination: string): string {
  return `${prefix}:${deliveryQueueName(source, destination)}:breaker`;
}

export interface BreakerStatus {
  readonly state: BreakerState;
  /** While open: when the cooldown ends (epoch ms). */
  readonly until?: number;
  /** While open or half-open: the cooldown in force, ms. */
  readonly cooldownMs?: number;
}

/**
 * The breaker's state as `/api/sources`, `hookrelay status` and `/metrics` show it. An open
 * breaker whose cooldown is over reads as half-open: the next attempt is the probe.
 */
export function breakerStatusOf(
  redis: RedisClient,
  prefix: string,
  source: string,
  destination: string,
): Promise<BreakerStatus> {
  return breakerStatusAt(redis, breakerKey(prefix, source, destination));
}

/**
 * The breaker state of a destination queue as handed out by openDeliveryQueues: closed when its
 * config turns the breaker off (`breaker: false`), whatever an earlier run left in Redis.
 */
export async function breakerStateOfQueue(
  redis: RedisClient,
  { config, queue }: { readonly config: { readonly breaker?: unknown }; readonly queue: Queue },
): Promise<BreakerState> {
  if (config.breaker === false) return 'closed';
  return (await breakerStatusAt(redis, queue.toKey('breaker'))).state;
}

/** breakerStatusOf, by the breaker's key. */
export async function breakerStatusAt(redis: RedisClient, key: string): Promise<BreakerStatus> {
  const [[, fields], [, time]] = (await redis
    .multi()
    .hmget(key, 'state', 'until', 'cooldown')
    .time()
    .exec()) as [[unknown, (string | null)[]], [unknown, [string, string]]];
  const [state, until, cooldown] = fields;
  if (state !== 'open' && state !== 'half-open') return { state: 'closed' };
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const cooldownMs = cooldown === null ? undefined : Number(cooldown);
  if (state === 'open' && Number(until) > now)
    return { state: 'open', until: Number(until), cooldownMs };
  return { state: 'half-open', cooldownMs };
}

/** The state alone; see breakerStatusOf. */
export async function breakerStateOf(
  redis: RedisClient,
  prefix: string,
  source: string,
  destination: string,
): Promise<BreakerState> {
  return (await breakerStatusOf(redis, prefix, source, destination)).state;
}

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS[1] breaker hash; ARGV token, probe lease ms.
 * Returns {allowed (1|0), waitMs, transition ('' | 'half-open'), state (after the call)}.
 */
const ADMIT = `${NOW}
local key = KEYS[1]
local token, lease = ARGV[1], tonumber(ARGV[2])
local s = redis.call('HMGET', key, 'state', 'until', 'probe', 'probeUntil', 'cooldown')
local state = s[1]
if state == 'open' then
  local untilMs = tonumber(s[2]) or 0
  if now < untilMs then return {0, untilMs - now, '', 'open'} end
  redis.call('HSET', key, 'state', 'half-open', 'probe', token, 'probeUntil', now + lease)
  redis.call('PEXPIRE', key, lease + 2 * (tonumber(s[5]) or 0) + 60000)
  return {1, 0, 'half-open', 'half-open'}
end
if state == 'half-open' then
  local probeUntil = tonumber(s[4]) or 0
  -- Look again within a second: the probe's answer usually comes long before its lease ends.
  if now < probeUntil then return {0, math.min(probeUntil - now, 1000), '', 'half-open'} end
  redis.call('HSET', key, 'probe', token, 'probeUntil', now + lease)
  redis.call('PEXPIRE', key, lease + 2 * (tonumber(s[5]) or 0) + 60000)
  return {1, 0, '', 'half-open'}
end
return {1, 0, '', 'closed'}
`;

/**
 * KEYS[1] breaker hash; ARGV token, failed (1|0), failureRate, minRequests, windowMs, cooldownMs,
 * maxCooldownMs, earlier successes (counted before this outcome; absent: 0). Returns {transition
 * ('' | 'open' | 'closed'), requests, failures, cooldownMs, state (after the call)}.
 */
const RECORD = `${NOW}
local key = KEYS[1]
local token, failed = ARGV[1], tonumber(ARGV[2])
local rate, minRequests = tonumber(ARGV[3]), tonumber(ARGV[4])
local windowMs, base, cap = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local earlier = tonumber(ARGV[8]) or 0
local s = redis.call('HMGET', key, 'state', 'winStart', 'requests', 'failures', 'cooldown', 'probe')
local state = s[1] or 'closed'
local function open(cooldown, requests, failures)
  redis.call('HSET', key, 'state', 'open', 'until', now + cooldown, 'cooldown', cooldown)
  redis.call('HDEL', key, 'probe', 'probeUntil')
  redis.call('PEXPIRE', key, 2 * cooldown + windowMs + 60000)
  return {'open', requests, failures, cooldown, 'open'}
end
if state == 'open' then return {'', 0, 0, 0, 'open'} end
if state == 'half-open' then
  -- Only the probe decides; a late answer to an attempt made before the breaker opened does not.
  if s[6] ~= token then return {'', 0, 0, 0, 'half-open'} end
  if failed == 1 then
    return open(math.min((tonumber(s[5]) or base) * 2, cap), 1, 1)
  end
  redis.call('DEL', key)
  return {'closed', 1, 0, base, 'closed'}
end
local winStart = tonumber(s[2])
local requests, failures = tonumber(s[3]) or 0, tonumber(s[4]) or 0
if winStart == nil or now - winStart >= windowMs then
  winStart, requests, failures = now, 0, 0
end
requests = requests + earlier + 1
failures = failures + failed
if requests >= minRequests and failures >= rate * requests then
  redis.call('HSET', key, 'winStart', now, 'requests', 0, 'failures', 0)
  return open(base, requests, failures)
end
redis.call('HSET', key, 'state', 'closed', 'winStart', winStart, 'requests', requests, 'failures', failures)
redis.call('PEXPIRE', key, 2 * windowMs)
return {'', requests, failures, 0, 'closed'}
`;

/** `state`: the breaker's once the call is done (undefined: the script did not say). */
export type AdmitAnswer =
  | { readonly ok: true; readonly halfOpened: boolean; readonly state?: BreakerState }
  | { readonly ok: false; readonly waitMs: number; readonly state?: BreakerState };

export interface RecordAnswer {
  /** The change this outcome made, if any. */
  readonly transition?: 'open' | 'closed';
  readonly requests: number;
  readonly failures: number;
  readonly cooldownMs: number;
  /** The state the breaker is in once the outcome is counted (undefined: the script did not say). */
  readonly state?: BreakerState;
}

interface BreakerCommands {
  hookrelayBreakerAdmit(
    key: string,
    token: string,
    leaseMs: number,
  ): Promise<[number, number, string, string?]>;
  hookrelayBreakerRecord(
    key: string,
    ...args: (string | number)[]
  ): Promise<[string, number, number, number, string?]>;
}

/** A state as a script answered it; undefined for an answer without one. */
function stateOf(value: string | undefined): BreakerState | undefined {
  return value === 'closed' || value === 'open' || value === 'half-open' ? value : undefined;
}

function commands(redis: RedisClient): BreakerCommands {
  const client = redis as RedisClient & Partial<BreakerCommands>;
  if (!client.hookrelayBreakerAdmit) {
    redis.defineCommand('hookrelayBreakerAdmit', { numberOfKeys: 1, lua: ADMIT });
    redis.defineCommand('hookrelayBreakerRecord', { numberOfKeys: 1, lua: RECORD });
  }
  return client as RedisClient & BreakerCommands;
}

/**
 * Whether an attempt may start now (atomically, across every process): closed, yes; open and in
 * its cooldown, no, with the time left; cooldown over, exactly one caller gets the probe (for
 * `leaseMs`, after which another may take it over) and the breaker turns half-open. `state` is
 * the breaker's once the call is done.
 */
export async function admitBreaker(
  redis: RedisClient,
  key: string,
  token: string,
  leaseMs: number,
): Promise<AdmitAnswer> {
  const [allowed, waitMs, transition, state] = await commands(redis).hookrelayBreakerAdmit(
    key,
    token,
    leaseMs,
  );
  return allowed === 1
    ? { ok: true, halfOpened: transition === 'half-open', state: stateOf(state) }
    : { ok: false, waitMs: Math.max(1, Number(waitMs)), state: stateOf(state) };
}

/**
 * Counts one attempt's outcome (`failed`: a retryable failure), after `earlierSuccesses` successes
 * not counted yet (a worker sends the successes it sees while the breaker is closed together), and
 * makes the transition it calls for: closed → open at the threshold; the probe's outcome → closed,
 * or open again with the cooldown doubled up to `maxCooldownMs`. `state` is the breaker's once the
 * outcome is counted.
 */
export async function recordBreaker(
  redis: RedisClient,
  key: string,
  token: string,
  failed: boolean,
  settings: BreakerSettings,
  maxCooldownMs: number,
  earlierSuccesses = 0,
): Promise<RecordAnswer> {
  const [transition, requests, failures, cooldownMs, state] = await commands(
    redis,
  ).hookrelayBreakerRecord(
    key,
    token,
    failed ? 1 : 0,
    settings.failureRate,
    settings.minRequests,
    settings.windowMs,
    settings.cooldownMs,
    Math.max(maxCooldownMs, settings.cooldownMs),
    earlierSuccesses,
  );
  return {
    transition: transition === 'open' || transition === 'closed' ? transition : undefined,
    requests: Number(requests),
    failures: Number(failures),
    cooldownMs: Number(cooldownMs),
    state: stateOf(state),
  };
}
