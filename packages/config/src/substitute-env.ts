import { parse as parseYaml } from 'yaml';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const PLACEHOLDER = /__hookrelay_env_(\d+)__/g;

type Env = Readonly<Record<string, string | undefined>>;

function valueOf(env: Env, name: string, fallback: string | undefined): string {
  const found = env[name];
  return found !== undefined && found !== '' ? found : (fallback ?? '');
}

function restore(node: unknown, values: readonly string[]): unknown {
  if (typeof node === 'string')
    return node.replace(PLACEHOLDER, (_m, index: string) => values[Number(index)]!);
  if (Array.isArray(node)) return node.map((item) => restore(item, values));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, restore(v, values)]));
  }
  return node;
}

/**
 * Parses YAML with `${VAR}` / `${VAR:-default}` replaced from `env`.
 * References become inert placeholders before parsing (so `{ secret: ${X} }` stays valid YAML and a
 * value holding `:` or quotes cannot change the document's structure), then the values go back in.
 */
export function parseYamlWithEnv(text: string, env: Env): unknown {
  const values: string[] = [];
  const guarded = text.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    values.push(valueOf(env, name, fallback));
    return `__hookrelay_env_${values.length - 1}__`;
  });
  return restore(parseYaml(guarded), values);
}
