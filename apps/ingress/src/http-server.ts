import { createServer, type RequestListener, type Server } from 'node:http';
import type { HookrelayConfig } from '@hookrelay/config';

export type IngressLimits = Pick<
  HookrelayConfig['ingress'],
  'headersTimeoutMs' | 'requestTimeoutMs' | 'maxConnections'
>;

/**
 * Longer than the idle timeout of common load balancers (AWS ALB: 60 s), so they never reuse a
 * connection the ingress is closing. Idle keep-alive connections are not covered by the header or
 * request timeouts (those start with a request), so this is also how long one may sit idle.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Node checks the header and request deadlines only every `connectionsCheckingInterval` (default
 * 30 s: a 10 s headersTimeout would bite after up to 40 s). A limit bites at most one interval
 * late; a quarter of the shortest limit, kept within 250 ms – 1 s, bounds that while the sweep (a
 * walk over the requests in progress) stays cheap.
 */
function connectionsCheckingInterval({
  headersTimeoutMs,
  requestTimeoutMs,
}: IngressLimits): number {
  const limits = [headersTimeoutMs, requestTimeoutMs].filter((ms) => ms > 0);
  if (limits.length === 0) return 1_000;
  return Math.min(1_000, Math.max(250, Math.floor(Math.min(...limits) / 4)));
}

/**
 * The ingress's HTTP server, used by the ingress process and the tests alike: slow or idle clients
 * are answered 408 and cut off (headers within headersTimeout, the whole request within
 * requestTimeout), and connections beyond maxConnections are closed as soon as they are accepted.
 * A timeout of 0 means no limit, as in Node.
 */
export function createIngressHttpServer(app: RequestListener, limits: IngressLimits): Server {
  const { requestTimeoutMs, maxConnections } = limits;
  // Node refuses headersTimeout > requestTimeout: the headers are part of the request anyway.
  const headersTimeoutMs =
    requestTimeoutMs > 0
      ? Math.min(limits.headersTimeoutMs, requestTimeoutMs)
      : limits.headersTimeoutMs;
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingInterval(limits),
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
    app,
  );
  server.maxConnections = maxConnections;
  return server;
}
