import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

function capture(level?: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ app: 'test', stream, level }) };
}

describe('the logger', () => {
  it('writes one JSON line per call with timestamp, level, app, message and the metadata', () => {
    const { lines, logger } = capture();
    logger.info('enqueued', { source: 'stripe', id: 'evt_1', bytes: 612 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      app: 'test',
      message: 'enqueued',
      source: 'stripe',
      id: 'evt_1',
      bytes: 612,
    });
    expect(Date.parse(String(lines[0]!.timestamp))).not.toBeNaN();
  });

  it('writes nothing below its level, and says whether debug is on', () => {
    const { lines, logger } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e', { error: new Error('boom') });
    expect(lines.map((line) => line.message)).toEqual(['w', 'e']);
    expect(lines[1]!.error).toEqual({ name: 'Error', message: 'boom' });
    expect(logger.isDebugEnabled()).toBe(false);
    expect(capture('debug').logger.isDebugEnabled()).toBe(true);
  });

  it('keeps metadata from overwriting its own fields', () => {
    const { lines, logger } = capture();
    logger.info('real', { message: 'forged', level: 'error', app: 'other' });
    expect(lines[0]).toMatchObject({ message: 'real', level: 'info', app: 'test' });
  });

  it('writes stdout lines in order, batched within a turn of the event loop, all of them by exit', () => {
    const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const script = `
      const { createLogger } = await import(${JSON.stringify(entry)});
      const logger = createLogger({ app: 'child' });
      for (let i = 0; i < 1000; i++) logger.info('line', { i });
      process.exit(0);
    `;
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { i: number });
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
