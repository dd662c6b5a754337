export { EventInbox } from './event-inbox.js';
export { Intake, type IntakeOptions, type IntakeLog } from './intake.js';
export { InboxKeys } from './keys.js';
export { decodeInboxEntry, encodeInboxEntry, type InboxEntry } from './entry.js';
