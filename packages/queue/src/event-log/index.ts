export { EventLog, type ReceivedEvent, type AttemptOf } from './event-log.js';
export { EventLogKeys } from './keys.js';
export { readFeedAttempt, FEED_FIELD, FEED_MAX_LENGTH, type FeedAttempt } from './feed.js';
export { idFloor, receivedAtOfId, isEventId } from './ids.js';
export {
  decodeEventRecord,
  decodeIdList,
  encodeEventRecord,
  type StoredEventRecord,
} from './record.js';
