import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, readDotenv, type HookrelayConfig } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { planDashboardLogin } from './dashboard-login.js';
import { chooseRedis } from './embedded-redis.js';
import { ensureLocalEnv } from './local-env.js';
import { startApp, stopApps, type AppProcess } from './processes.js';

/** `npm start`: Redis (embedded when needed), then ingress, worker, dashboard and demo backend; Ctrl-C stops all. */
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const say = (line: string) => process.stdout.write(`[hookrelay] ${line}\n`);

const generated = ensureLocalEnv(join(root, '.env'), join(root, '.env.example'));
if (generated.length)
  say(`wrote .env with fresh local secrets (${generated.join(', ')}); keep it out of git`);
const fileEnv = readDotenv(join(root, '.env'));
const env: NodeJS.ProcessEnv = { ...fileEnv, ...process.env };

const redis = await chooseRedis(env.REDIS_URL, root);
if (redis.kind === 'missing') {
  process.stderr.write(`${redis.message}\n`);
  process.exit(1);
}
if (redis.kind === 'embedded') {
  env.REDIS_URL = redis.server.url;
  say(`started embedded Redis on ${redis.server.url} (data in .data/redis, appendfsync always)`);
}

async function exitWith(message: string): Promise<never> {
  process.stderr.write(`${message}\n`);
  if (redis.kind === 'embedded') await redis.server.stop();
  process.exit(1);
}

async function loadOrExit(): Promise<HookrelayConfig> {
  try {
    return loadConfig({
      env,
      path: env.HOOKRELAY_CONFIG ?? join(root, 'hookrelay.yaml'),
      verify: verifyPlugin,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return exitWith(`hookrelay: invalid config\n${error.problems.join('\n')}`);
  }
}

let config = await loadOrExit();
// The dashboard refuses to run open: with no credential configured, make a password for this run.
const passwordJustWritten =
  generated.includes('DASHBOARD_PASSWORD') && process.env.DASHBOARD_PASSWORD === undefined;
const login = planDashboardLogin(config.dashboard, passwordJustWritten);
if (login.generatedPassword) {
  env.DASHBOARD_PASSWORD = login.generatedPassword;
  config = await loadOrExit();
  if (!config.dashboard.password) {
    await exitWith(
      "hookrelay: the config's dashboard section reads no password; add `password: ${DASHBOARD_PASSWORD:-}` under dashboard:",
    );
  }
}

const entry = (app: string) => join(root, 'apps', app, 'dist', 'index.js');
const apps: AppProcess[] = ['ingress', 'worker', 'dashboard', 'demo-backend'].map((name) =>
  startApp(name, entry(name), env),
);

say(
  `ingress      http://127.0.0.1:${config.ingress.port}  (sources: ${config.sources.map((s) => s.paths[0]).join(', ')})`,
);
say(`worker       http://127.0.0.1:${config.worker.port}/healthz`);
say(`dashboard    http://127.0.0.1:${config.dashboard.port}/  (${login.note})`);
say(`demo backend http://127.0.0.1:${config.demoBackend.port}/deliveries`);
say('Ctrl-C stops everything.');

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  say('stopping…');
  await stopApps(apps);
  if (redis.kind === 'embedded') await redis.server.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
for (const app of apps) {
  void app.exited.then((code) => {
    if (!stopping) {
      process.stderr.write(`[hookrelay] ${app.name} exited (code ${code}); stopping the stack\n`);
      void shutdown(1);
    }
  });
}
