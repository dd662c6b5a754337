import type { RedisClient } from '../connection.js';

/*
 * The inbox's scripts (docs/inbox.md). ACCEPT is the ingress's whole write: one command and one
 * reply per event, the cost of which is what the ingress adds to a bare HTTP server.
 */

/**
 * KEYS: inbox, record, source's time index, [dedupe, BullMQ's dedupe key of the source's first
 * queue], [provider-id index]. ARGV: id, record, entry, record ttl ms, dedupe ttl ms, '1' with the
 * dedupe keys, '1' with a provider-id index. Returns the id of the event a duplicate repeats, or
 * ARGV[1] once accepted. BullMQ's key is how versions before the inbox de-duplicated: read so a
 * repeat of an event they acknowledged stays a duplicate until `retention.dedupe` has passed.
 */
const ACCEPT = `
local n = 4
if ARGV[6] == '1' then
  local first = redis.call('GET', KEYS[4]) or redis.call('GET', KEYS[5])
  if first then return first end
  redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[5])
  n = 6
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
if ARGV[7] == '1' then
  redis.call('APPEND', KEYS[n], ARGV[1] .. ' ')
  redis.call('PEXPIRE', KEYS[n], ARGV[4])
end
redis.call('RPUSH', KEYS[1], ARGV[3])
return ARGV[1]
`;

/**
 * KEYS: lock, inbox, taking. ARGV: token, most entries. For the intake holding the lock: what is
 * in `taking` (a batch not finished), or else the inbox's oldest entries, moved to `taking`.
 */
const TAKE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local left = redis.call('LRANGE', KEYS[3], 0, -1)
if #left > 0 then return left end
local entries = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[2]) - 1)
if #entries > 0 then
  redis.call('LTRIM', KEYS[2], #entries, -1)
  redis.call('RPUSH', KEYS[3], unpack(entries))
end
return entries
`;

/**
 * KEYS: lock, taking. ARGV: token. The batch in `taking` is written: it leaves `taking`, unless
 * the lock went to another intake meanwhile (which redoes the batch and owns `taking` now).
 */
const DONE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[2])
`;

/** KEYS: lock. ARGV: token, ttl ms. Takes the lock, or keeps it when it is already ours. */
const LEAD = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** KEYS: lock. ARGV: token. Lets the lock go, if it is ours. */
const STEP_DOWN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface InboxCommands {
  hookrelayInboxAccept(numKeys: number, ...args: (string | number)[]): Promise<string>;
  hookrelayInboxTake(
    lock: string,
    inbox: string,
    taking: string,
    token: string,
    most: number,
  ): Promise<string[] | null>;
  hookrelayInboxDone(lock: string, taking: string, token: string): Promise<number>;
  hookrelayInboxLead(lock: string, token: string, ttlMs: number): Promise<number>;
  hookrelayInboxStepDown(lock: string, token: string): Promise<number>;
}

/** The scripts as commands of `redis` (EVALSHA, loaded on first use), defined once per connection. */
export function inboxCommands(redis: RedisClient): InboxCommands {
  const client = redis as RedisClient & Partial<InboxCommands>;
  if (!client.hookrelayInboxAccept) {
    redis.defineCommand('hookrelayInboxAccept', { lua: ACCEPT });
    redis.defineCommand('hookrelayInboxTake', { numberOfKeys: 3, lua: TAKE });
    redis.defineCommand('hookrelayInboxDone', { numberOfKeys: 2, lua: DONE });
    redis.defineCommand('hookrelayInboxLead', { numberOfKeys: 1, lua: LEAD });
    redis.defineCommand('hookrelayInboxStepDown', { numberOfKeys: 1, lua: STEP_DOWN });
  }
  return client as RedisClient & InboxCommands;
}
