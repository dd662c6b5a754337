import type { HookrelayConfig } from '@hookrelay/config';
import { createServer, type DashboardApp, type LoginThrottle } from '@hookrelay/dashboard';
import { createLogger } from '@hookrelay/logger';
import { createRegistry, queueMetrics } from '@hookrelay/metrics';
import { Ops } from '@hookrelay/ops';
import { createRedis } from '@hookrelay/queue';
import { listen, LogCapture, type Listening } from '@hookrelay/testing';
import type { Relay } from './harness.js';

export const DASHBOARD_USER = 'operator';

/** A relay with one unverified source, `shop`: enough for tests about the dashboard itself. */
export const ONE_SOURCE_YAML = `
sources:
  shop:
    verify: { type: none }
    destination: { url: \${BACKEND_URL}/shop }
`;
export const DASHBOARD_PASSWORD = 'dashboard-test-password';
export const DASHBOARD_TOKEN = 'dashboard-test-token';

export interface Dashboard {
  readonly app: DashboardApp;
  readonly ops: Ops;
  readonly http: Listening;
  readonly logs: LogCapture;
  /** The Authorization header value of the configured operator. */
  readonly basic: string;
  /** GET or POST an ops API path with valid credentials; JSON in and out. */
  api(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface DashboardOptions {
  /** Replaces the default failed-login throttle (a tighter one, or one on a test clock). */
  readonly loginThrottle?: LoginThrottle;
}

/** The dashboard app over a relay's Redis, on a free port, with known credentials. */
export async function startDashboard(
  relay: Relay,
  options: DashboardOptions = {},
): Promise<Dashboard> {
  const config: HookrelayConfig = {
    ...relay.config,
    dashboard: {
      ...relay.config.dashboard,
      username: DASHBOARD_USER,
      password: DASHBOARD_PASSWORD,
      token: DASHBOARD_TOKEN,
    },
  };
  const redis = createRedis(config.redis, 'producer', 'test-dashboard');
  redis.on('error', () => undefined);
  await new Promise<void>((resolve) =>
    redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve()),
  );
  const logs = new LogCapture();
  const ops = new Ops(config, redis);
  const registry = createRegistry('dashboard');
  queueMetrics(registry, ops.queues.all(), redis);
  const app = createServer({
    config,
    ops,
    redis,
    logger: createLogger({ app: 'dashboard', stream: logs }),
    registry,
    loginThrottle: options.loginThrottle,
  });
  const http = await listen(app);
  const basic = basicAuth(DASHBOARD_USER, DASHBOARD_PASSWORD);
  return {
    app,
    ops,
    http,
    logs,
    basic,
    async api(path, body) {
      const response = await fetch(`${http.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: basic,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async close() {
      await http.close();
      await ops.close();
      redis.disconnect();
    },
  };
}
