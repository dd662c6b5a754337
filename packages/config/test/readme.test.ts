import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { createConfigSchema } from '../src/schema.js';

/**
 * The README's "Configuration" tables against the schema: every key of the schema is in a table
 * (itself, or the block holding it), every key in a table is in the schema, and each default the
 * table states is the one the schema applies.
 */
type Schema = z.core.$ZodType;

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(
  readme.indexOf('\n## Configuration'),
  readme.indexOf('\n## Providers'),
);

interface Row {
  readonly keys: readonly string[];
  readonly defaults?: readonly string[];
  readonly text: string;
}

/** Cells split on `|` but not `\|`; `a.b` / `c` names a.b and a.c, `a`, `b` names both as written. */
function rowsOf(header: string): Row[] {
  const start = section.indexOf(header);
  const lines = section.slice(start).split('\n').slice(2);
  const rows: Row[] = [];
  for (const line of lines) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim());
    const names = [...cells[0]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
    const parent = names[0]!.split('.').slice(0, -1).join('.');
    const keys = cells[0]!.includes(' / ')
      ? names.map((name, i) => (i === 0 || !parent ? name : `${parent}.${name}`))
      : names;
    const defaults =
      cells.length === 3 ? cells[1]!.split(' / ').map((d) => d.replace(/`/g, '')) : undefined;
    rows.push({ keys, defaults, text: cells.slice(1).join(' ') });
  }
  return rows;
}

function unwrap(schema: Schema): Schema {
  for (;;) {
    const def = schema._zod.def as { type: string; innerType?: Schema; in?: Schema };
    if (def.innerType) schema = def.innerType;
    else if (def.type === 'pipe') schema = def.in!;
    else return schema;
  }
}

/** An object's fields (through defaults, transforms and arrays); undefined for a leaf. */
function fieldsOf(schema: Schema): Record<string, Schema> | undefined {
  const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, Schema> };
  if (def.type === 'object') return def.shape;
  if (def.type === 'array') return fieldsOf((def as unknown as { element: Schema }).element);
  return undefined;
}

function at(root: Schema, path: string): Schema | undefined {
  let schema: Schema | undefined = root;
  for (const key of path.split('.')) schema = schema && fieldsOf(schema)?.[key];
  return schema;
}

function leaves(schema: Schema, prefix = ''): string[] {
  return Object.entries(fieldsOf(schema) ?? {}).flatMap(([key, field]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return fieldsOf(field) ? leaves(field, path) : [path];
  });
}

const root = createConfigSchema();
const sources = (unwrap(at(root, 'sources')!)._zod.def as unknown as { valueType: Schema })
  .valueType;

describe.each([
  { table: '| key | default | meaning |', schema: root, skip: ['sources'] },
  { table: '| key | meaning |', schema: sources, skip: [] as string[] },
])('the README table "$table"', ({ table, schema, skip }) => {
  const rows = rowsOf(table);
  const documented = rows.flatMap((row) => row.keys);

  it('documents every key of the schema, itself or the block it belongs to', () => {
    const missing = leaves(schema)
      .filter((leaf) => !skip.includes(leaf.split('.')[0]!))
      .filter((leaf) => !documented.some((key) => leaf === key || leaf.startsWith(`${key}.`)));
    expect(missing).toEqual([]);
  });

  it('names only keys the schema has', () => {
    expect(documented.filter((key) => !at(schema, key))).toEqual([]);
  });
});

describe('the README table "| key | default | meaning |"', () => {
  it('states the defaults the schema applies', () => {
    const rows = rowsOf('| key | default | meaning |');
    const schema = root;
    for (const row of rows) {
      expect(row.defaults, row.keys.join(', ')).toHaveLength(row.keys.length);
      row.keys.forEach((key, i) => {
        const field = at(schema, key) as z.ZodType;
        const stated = row.defaults![i]!;
        const applied = field.parse(undefined);
        if (stated === '—') expect(applied, key).toBeUndefined();
        else expect(field.parse(parseYaml(stated)), `${key}: ${stated}`).toEqual(applied);
      });
    }
  });
});
