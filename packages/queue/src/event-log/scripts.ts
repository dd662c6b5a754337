import type { RedisClient } from '../connection.js';
import { FEED_FIELD } from './feed.js';

/*
 * The event log's writes, one Lua script each: one command and one reply per event at the ingress
 * and per attempt at the worker, where a MULTI would cost several (and ioredis builds each MULTI
 * at a price on a connection that carries BullMQ's scripts). Every key shares the configured
 * prefix, so with a hash-tagged prefix (`{hookrelay}`, as BullMQ asks on Redis Cluster) they all
 * live in one slot.
 */

/**
 * KEYS: record, source's time index, [provider-id index]. ARGV: id, record, ttl ms.
 * The provider-id index is a string of ids, each followed by a space.
 */
const RECEIVED = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
if KEYS[3] then
  redis.call('APPEND', KEYS[3], ARGV[1] .. ' ')
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return 1
`;

/** KEYS: record, source's time index, [provider-id index]. ARGV: id. */
const FORGET = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if KEYS[3] then
  local ids = redis.call('GET', KEYS[3])
  if ids then
    local from, to = string.find(ids, ARGV[1] .. ' ', 1, true)
    if from then
      local rest = string.sub(ids, 1, from - 1) .. string.sub(ids, to + 1)
      if rest == '' then redis.call('DEL', KEYS[3]) else redis.call('SET', KEYS[3], rest, 'KEEPTTL') end
    end
  end
end
return 1
`;

/**
 * KEYS: feed, source's dead index, record, [provider-id index]. ARGV: feed entry, feed length,
 * ttl ms, 'set' (shorten or lengthen) or 'gt' (only lengthen), '1' when dead, id.
 */
const ATTEMPT = `
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', '${FEED_FIELD}', ARGV[1])
for i = 3, #KEYS do
  if ARGV[4] == 'gt' then
    redis.call('PEXPIRE', KEYS[i], ARGV[3], 'GT')
  else
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
end
if ARGV[5] == '1' then redis.call('ZADD', KEYS[2], 0, ARGV[6]) end
return 1
`;

interface EventLogCommands {
  hookrelayEventReceived(numKeys: number, ...args: (string | number)[]): Promise<number>;
  hookrelayEventForget(numKeys: number, ...args: (string | number)[]): Promise<number>;
  hookrelayEventAttempt(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

/** The scripts as commands of `redis` (EVALSHA, loaded on first use), defined once per connection. */
export function eventLogCommands(redis: RedisClient): EventLogCommands {
  const client = redis as RedisClient & Partial<EventLogCommands>;
  if (!client.hookrelayEventReceived) {
    redis.defineCommand('hookrelayEventReceived', { lua: RECEIVED });
    redis.defineCommand('hookrelayEventForget', { lua: FORGET });
    redis.defineCommand('hookrelayEventAttempt', { lua: ATTEMPT });
  }
  return client as RedisClient & EventLogCommands;
}
