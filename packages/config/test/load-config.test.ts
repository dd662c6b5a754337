import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hookrelay-load-'));

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file it read, as it was given, in a YAML problem', () => {
    const path = join(dir, 'other.yaml');
    writeFileSync(path, 'sources:\n  a:\n    verify: { type: none }}\n');
    const expected = `${path}:3: not valid YAML (Unexpected flow-map-end token in YAML stream)`;
    expect(problemsOf(() => loadConfig({ path }))).toEqual([expected]);
    expect(problemsOf(() => loadConfig({ env: { HOOKRELAY_CONFIG: path } }))).toEqual([expected]);
    expect(problemsOf(() => loadConfig({ path: join(dir, 'missing.yaml') }))).toEqual([
      `${join(dir, 'missing.yaml')}: cannot be read`,
    ]);
  });
});
