/**
 * Event ids (`newEventId`) start with the time they were received, in base 36: ids sort as their
 * times do, so a sorted set of ids at one score is a time index read with ZRANGE BYLEX.
 */
const ID_PREFIX = 'evt_';
/** Date.now() is 8 base-36 digits from 1973 to 2059; padding keeps earlier bounds comparable. */
const TIME_DIGITS = 8;

/** The smallest id an event received at `ms` can have. */
export function idFloor(ms: number): string {
  return ID_PREFIX + Math.max(0, Math.floor(ms)).toString(36).padStart(TIME_DIGITS, '0');
}

/** When an event with this id was received, or undefined for an id not made by newEventId. */
export function receivedAtOfId(id: string): number | undefined {
  if (!id.startsWith(ID_PREFIX)) return undefined;
  const ms = parseInt(id.slice(ID_PREFIX.length, ID_PREFIX.length + TIME_DIGITS), 36);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Whether `id` has the shape newEventId gives (so it can be a bound in a lex range). */
export function isEventId(id: string): boolean {
  return /^evt_[0-9a-z]{8}[0-9a-f]{16}$/.test(id);
}
