import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { awaitListening, startApp, stopApps, type AppProcess } from '../src/processes.js';

/** Stand-ins for the apps, speaking service-kit's listenOrExit protocol over IPC. */
const SCRIPTS = {
  listens: `process.send({ type: 'hookrelay:listening', host: '0.0.0.0', port: 3100 });
setInterval(() => undefined, 1000);`,
  refuses: `process.send({ type: 'hookrelay:cannot-listen', message: 'cannot listen on 127.0.0.1:3100: address already in use; set PORT or ingress.port' }, () => process.exit(1));`,
  crashes: 'process.exit(3);',
  hangs: 'setInterval(() => undefined, 1000);',
};

describe('npm start waits for each app to say it is listening', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-stack-'));
  for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(join(dir, `${name}.mjs`), text);
  let apps: AppProcess[] = [];
  const start = (...names: (keyof typeof SCRIPTS)[]) => {
    apps = names.map((name) => startApp(name, join(dir, `${name}.mjs`), process.env));
    return apps;
  };
  afterEach(() => stopApps(apps));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves with every address once all have confirmed', async () => {
    const outcome = await awaitListening(start('listens', 'listens'), 10_000);
    expect(outcome).toEqual({
      ok: true,
      bound: new Map([['listens', { host: '0.0.0.0', port: 3100 }]]),
    });
  });

  it("fails as soon as one exits, with that app's own line", async () => {
    const outcome = await awaitListening(start('listens', 'refuses', 'hangs'), 10_000);
    expect(outcome).toEqual({
      ok: false,
      reason:
        'refuses: cannot listen on 127.0.0.1:3100: address already in use; set PORT or ingress.port',
    });
  });

  it('names the exit code of an app that exits without a word', async () => {
    const outcome = await awaitListening(start('hangs', 'crashes'), 10_000);
    expect(outcome).toEqual({ ok: false, reason: 'crashes: exited with code 3 while starting' });
  });

  it('names the apps still silent at the deadline', async () => {
    const [listens] = start('listens', 'hangs');
    await listens!.listening;
    const outcome = await awaitListening(apps, 200);
    expect(outcome).toEqual({ ok: false, reason: 'hangs: not listening after 0.2 s' });
  });
});
