import type { RedisClient } from '../connection.js';

/*
 * The order of each key, moved by Lua scripts so that each step is atomic across every worker
 * process (docs/ordering.md). ARGV[1] is always the queue's job prefix (`<prefix>:<queue>:`): the
 * scripts read the job hash and BullMQ's finished sets under it, in the queue's slot.
 */

/** Drops heads whose job is gone or finished (their release never ran); leaves the live head first. */
const DROP_STALE_HEADS = `
local function liveHead(line, prefix)
  while true do
    local head = redis.call('LINDEX', line, 0)
    if not head then return false end
    local gone = redis.call('EXISTS', prefix .. head) == 0
      or redis.call('ZSCORE', prefix .. 'completed', head)
      or redis.call('ZSCORE', prefix .. 'failed', head)
    if not gone then return head end
    redis.call('LPOP', line)
  end
end
`;

/**
 * KEYS: line, parked. ARGV: job prefix, id. 1: go ahead (its key's head); 0: wait for the key's
 * turn, marked parked (before the caller moves it to the delayed set, so a release that runs
 * meanwhile finds it). An event in no line (replayed, or retried after a crash that released it)
 * joins the back. A parked event is in its line already: its claim reads no more than the head.
 */
const CLAIM = `${DROP_STALE_HEADS}
local head = liveHead(KEYS[1], ARGV[1])
if not head then
  redis.call('RPUSH', KEYS[1], ARGV[2])
  head = ARGV[2]
end
if head == ARGV[2] then
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
if redis.call('SADD', KEYS[2], ARGV[2]) == 1 and not redis.call('LPOS', KEYS[1], ARGV[2]) then
  redis.call('RPUSH', KEYS[1], ARGV[2])
end
return 0
`;

/**
 * After the job was moved to the delayed set. KEYS: line. ARGV: job prefix, id. 1: it became the
 * head meanwhile (the caller promotes it); 0: parked, a release will promote it.
 */
const PARK = `${DROP_STALE_HEADS}
local head = liveHead(KEYS[1], ARGV[1])
if head == ARGV[2] or not head then return 1 end
return 0
`;

/**
 * KEYS: line, parked, dead list of the key. ARGV: job prefix, id, 'delivered' or 'dead',
 * retention.dead ms, after-list key prefix. Returns the new head when it is parked (the caller
 * promotes it), else false. It stays in the parked set until its claim: a caller that dies before
 * promoting it leaves it for the next release or the park's time limit, never unmarked.
 */
const RELEASE = `${DROP_STALE_HEADS}
redis.call('LREM', KEYS[1], 1, ARGV[2])
if ARGV[3] == 'dead' then
  redis.call('RPUSH', KEYS[3], ARGV[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
else
  for _, dead in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
    local after = ARGV[5] .. dead
    redis.call('RPUSH', after, ARGV[2])
    redis.call('LTRIM', after, -100, -1)
    redis.call('PEXPIRE', after, ARGV[4])
  end
end
local head = liveHead(KEYS[1], ARGV[1])
if head and redis.call('SISMEMBER', KEYS[2], head) == 1 then return head end
return false
`;

/**
 * A replayed event joins the back of its key's line, leaves the key's dead list and forgets what
 * went ahead of it. KEYS: line, dead list of the key, its after-list. ARGV: id.
 */
const REJOIN = `
redis.call('LREM', KEYS[1], 0, ARGV[1])
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('DEL', KEYS[3])
return 1
`;

/**
 * KEYS: key's line, the event's job. ARGV: id. The event takes its place in line only while its job
 * is not written yet: sent in the MULTI before the job, so writing an event twice queues it once.
 */
const JOIN = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
return redis.call('RPUSH', KEYS[1], ARGV[1])
`;

interface OrderCommands {
  hookrelayOrderJoin(line: string, job: string, id: string): Promise<number>;
  hookrelayOrderClaim(line: string, parked: string, prefix: string, id: string): Promise<number>;
  hookrelayOrderPark(line: string, prefix: string, id: string): Promise<number>;
  hookrelayOrderRelease(
    line: string,
    parked: string,
    dead: string,
    ...args: (string | number)[]
  ): Promise<string | null>;
  hookrelayOrderRejoin(line: string, dead: string, after: string, id: string): Promise<number>;
}

/** The scripts as commands of `redis` (EVALSHA, loaded on first use), defined once per connection. */
export function orderCommands(redis: RedisClient): OrderCommands {
  const client = redis as RedisClient & Partial<OrderCommands>;
  if (!client.hookrelayOrderJoin) {
    redis.defineCommand('hookrelayOrderJoin', { numberOfKeys: 2, lua: JOIN });
    redis.defineCommand('hookrelayOrderClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('hookrelayOrderPark', { numberOfKeys: 1, lua: PARK });
    redis.defineCommand('hookrelayOrderRelease', { numberOfKeys: 3, lua: RELEASE });
    redis.defineCommand('hookrelayOrderRejoin', { numberOfKeys: 3, lua: REJOIN });
  }
  return client as RedisClient & OrderCommands;
}
