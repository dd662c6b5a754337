export {
  EVENT_FILTERS,
  DEFAULT_EVENT_LIMIT,
  MAX_EVENT_LIMIT,
  parseEventQuery,
  typeMatcher,
  type EventQuery,
  type EventFilterInput,
} from './event-query.js';
export { listEvents, SCAN_BUDGET, type EventListItem, type EventPage } from './list-events.js';
export { showEvent, type EventDetail, type EventDelivery } from './show-event.js';
export { findEvent, type FoundEvent } from './find-event.js';
export { followEvents, type LiveEvent, type FollowOptions } from './follow-events.js';
