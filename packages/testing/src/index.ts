export { startTestRedis, type TestRedis } from './test-redis.js';
export { freePort, listen, type Listening } from './net.js';
export { waitFor } from './wait-for.js';
export { LogCapture } from './log-capture.js';
export { openRawConnection, type RawConnection } from './raw-connection.js';
