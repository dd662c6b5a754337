export { KeyOrder, PARK_MS, type ReleasedAs, type QueueLike } from './key-order.js';
export { OrderKeys, storedOrderKey } from './keys.js';
