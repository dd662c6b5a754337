import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, readDotenv, type HookrelayConfig } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { planDashboardLogin } from './dashboard-login.js';
import { chooseRedis } from './embedded-redis.js';
import { ensureLocalEnv } from './local-env.js';
import { bannerLines, redisStoppedLine } from './banner.js';
import { awaitListening, startApp, stopApps, type AppProcess } from './processes.js';

/** `npm start`: Redis (embedded when needed), then ingress, worker, dashboard and demo backend; Ctrl-C stops all. */
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const say = (line: string) => process.stdout.write(`[hookrelay] ${line}\n`);
/** Apps listen before they touch Redis; this only guards against one that hangs while starting. */
const START_TIMEOUT_MS = 30_000;

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

let stopping: Promise<never> | undefined;
/** Stops the apps, then the embedded Redis; `reason` (why the stack could not start) is the last line. */
function shutdown(code: number, reason?: string): Promise<never> {
  stopping ??= (async () => {
    say('stopping…');
    await stopApps(apps);
    if (redis.kind === 'embedded') {
      await redis.server.stop();
      say(redisStoppedLine(redis.server.options.dir));
    }
    if (reason) process.stderr.write(`[hookrelay] not started: ${reason}\n`);
    process.exit(code);
  })();
  return stopping;
}
// A second Ctrl-C exits at once.
const onSignal = () => (stopping ? process.exit(0) : void shutdown(0));
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// The banner only once every app has said it is listening: a port another program holds must
// stop the stack, not look like success (docs/contract.md §2).
const started = await awaitListening(apps, START_TIMEOUT_MS);
if (!started.ok) await shutdown(1, started.reason);
if (started.ok && !stopping) {
  const sourcePaths = config.sources.map((s) => s.paths[0]!);
  for (const line of bannerLines({ bound: started.bound, sourcePaths, dashboardNote: login.note }))
    say(line);
}
for (const app of apps) {
  void app.exited.then((code) => {
    if (!stopping) {
      process.stderr.write(`[hookrelay] ${app.name} exited (code ${code}); stopping the stack\n`);
      void shutdown(1);
    }
  });
}
