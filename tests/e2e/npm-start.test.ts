import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestRedis, type TestRedis } from '@hookrelay/testing';
import { LOOPBACK_CONFIG, runNode, type AppRun } from './app-process.js';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const APPS = ['ingress', 'worker', 'dashboard', 'demo-backend'];
const PORT_VARIABLES = ['PORT', 'WORKER_PORT', 'DASHBOARD_PORT', 'DEMO_BACKEND_PORT'];

/** True when `port` on 127.0.0.1 can be bound, i.e. nothing holds it any more. */
const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/** Pids of the processes whose command line mentions `text` (Linux /proc; none elsewhere). */
function processesMentioning(text: string): number[] {
  if (process.platform !== 'linux') return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * npm start's launcher in a project root of its own (it finds the root from where it lies): its
 * dist copied, the real apps and node_modules linked, the test config, and no .env.example, so
 * it writes no .env into the repository. External Redis (REDIS_URL): it embeds none.
 */
describe('npm start (packages/stack)', () => {
  let dir: string;
  let root: string;
  let redis: TestRedis;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-npm-start-'));
    root = join(dir, 'root');
    cpSync(repo('packages/stack/dist'), join(root, 'packages/stack/dist'), { recursive: true });
    symlinkSync(repo('node_modules'), join(root, 'node_modules'));
    mkdirSync(join(root, 'apps'));
    for (const app of APPS) symlinkSync(repo(`apps/${app}`), join(root, 'apps', app));
    writeFileSync(join(root, 'hookrelay.yaml'), LOOPBACK_CONFIG);
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  async function launch(
    ports: Record<string, string> = {},
  ): Promise<{ run: AppRun; env: NodeJS.ProcessEnv }> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOOKRELAY_CONFIG: join(root, 'hookrelay.yaml'),
      REDIS_URL: redis.url,
      DASHBOARD_PASSWORD: 'npm-start-test',
    };
    for (const variable of PORT_VARIABLES)
      env[variable] = ports[variable] ?? String(await freePort());
    return { run: runNode(join(root, 'packages/stack/dist/index.js'), env, root), env };
  }

  it('with the ingress port taken: no banner, the other apps stopped, exit 1 with the reason last', async () => {
    const held: Server = createServer();
    const heldPort = await new Promise<number>((resolve) =>
      held.listen(0, '127.0.0.1', () => resolve((held.address() as { port: number }).port)),
    );
    try {
      const { run, env } = await launch({ PORT: String(heldPort) });
      expect(await run.exited).toBe(1);
      expect(run.lines.join('\n')).not.toContain('Ctrl-C stops everything');
      expect(run.stderr.at(-1)).toBe(
        `[hookrelay] not started: ingress: cannot listen on 127.0.0.1:${heldPort}: address already in use; set PORT or ingress.port`,
      );
      // The launcher exits only after every app has: none is left, no port still held.
      expect(processesMentioning(root)).toEqual([]);
      for (const variable of ['WORKER_PORT', 'DASHBOARD_PORT', 'DEMO_BACKEND_PORT'])
        expect(await portIsFree(Number(env[variable]))).toBe(true);
    } finally {
      await new Promise((resolve) => held.close(resolve));
    }
  });

  it('prints the banner with the addresses the apps bound; Ctrl-C ends with their stopped lines', async () => {
    const { run, env } = await launch();
    await run.line(/Ctrl-C stops everything/, 15_000);
    const banner = run.lines.filter((line) => line.startsWith('[hookrelay] '));
    expect(banner).toEqual([
      `[hookrelay] ingress      http://127.0.0.1:${env.PORT}  (sources: /webhooks/payment)`,
      `[hookrelay] worker       http://127.0.0.1:${env.WORKER_PORT}/healthz`,
      expect.stringMatching(
        `^\\[hookrelay\\] dashboard    http://127.0.0.1:${env.DASHBOARD_PORT}/  \\(`,
      ),
      `[hookrelay] demo backend http://127.0.0.1:${env.DEMO_BACKEND_PORT}/deliveries`,
      '[hookrelay] Ctrl-C stops everything.',
    ]);
    // Every app had said it was listening before the banner.
    const bannerAt = run.lines.indexOf(banner[0]!);
    const listening = run.lines.filter((line) => line.includes('"message":"listening"'));
    expect(listening).toHaveLength(4);
    for (const line of listening) expect(run.lines.indexOf(line)).toBeLessThan(bannerAt);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const afterSignal = run.lines.slice(run.lines.indexOf('[hookrelay] stopping…') + 1);
    expect(afterSignal.filter((line) => line.includes('"message":"stopped"'))).toHaveLength(4);
    // External Redis: nothing said about stopping it.
    expect(afterSignal.filter((line) => line.startsWith('[hookrelay]'))).toEqual([]);
    expect(processesMentioning(root)).toEqual([]);
  });
});
