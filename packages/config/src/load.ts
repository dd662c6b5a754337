import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { readDotenv } from './dotenv.js';
import type { z } from 'zod';
import { createConfigSchema, type HookrelayConfig, type VerifyPlugin } from './schema.js';
import { parseYamlWithEnv } from './substitute-env.js';

/** The config file could not be read or is invalid; `problems` holds one line per problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid hookrelay config:\n${problems.join('\n')}`);
  }
}

export interface ParseOptions {
  /**
   * Validates `verify:` blocks and gives the provider defaults: `verifyPlugin` from
   * @hookrelay/verifiers. Without it a block needs only a `type`, and sources default to JSON
   * bodies and de-duplication by event id.
   */
  readonly verify?: VerifyPlugin;
}

export interface LoadOptions extends ParseOptions {
  /** Defaults to HOOKRELAY_CONFIG, then hookrelay.yaml in the working directory or its parents. */
  readonly path?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const schemas = new WeakMap<object, ReturnType<typeof createConfigSchema>>();
const NO_PLUGIN = {};

function schemaFor(verify: VerifyPlugin | undefined) {
  let schema = schemas.get(verify ?? NO_PLUGIN);
  if (!schema) {
    schema = createConfigSchema(verify);
    schemas.set(verify ?? NO_PLUGIN, schema);
  }
  return schema;
}

/** One `path: problem` line per problem, never a value; an unknown key is named in the path. */
function problemLines(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => `${at([...issue.path, key])}: unknown key`);
  return [`${at(issue.path)}: ${issue.message}`];
}

function findConfigFile(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = resolvePath(dir, 'hookrelay.yaml');
    if (existsSync(candidate)) return candidate;
    const parent = resolvePath(dir, '..');
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function configPath(options: LoadOptions = {}): string {
  const env = options.env ?? process.env;
  const explicit = options.path ?? env.HOOKRELAY_CONFIG;
  if (explicit) return resolvePath(explicit);
  const found = findConfigFile(process.cwd());
  if (!found)
    throw new ConfigError(['hookrelay.yaml: not found (set HOOKRELAY_CONFIG to its path)']);
  return found;
}

/** Parses a config text; throws ConfigError naming each bad path, never a value. */
export function parseConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ParseOptions = {},
): HookrelayConfig {
  let tree: unknown;
  try {
    tree = parseYamlWithEnv(text, env);
  } catch (error) {
    const where = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new ConfigError([`hookrelay.yaml${where ? `:${where}` : ''}: not valid YAML`]);
  }
  const result = schemaFor(options.verify).safeParse(tree ?? {});
  if (!result.success) throw new ConfigError(result.error.issues.flatMap(problemLines));
  return result.data;
}

/**
 * Reads, substitutes, validates and resolves the config once at start-up. Variables come from the
 * environment, then from a `.env` beside the config file (as docker compose reads it).
 */
export function loadConfig(options: LoadOptions = {}): HookrelayConfig {
  const path = configPath(options);
  const env = { ...readDotenv(join(dirname(path), '.env')), ...(options.env ?? process.env) };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError([`${path}: cannot be read`]);
  }
  return parseConfig(text, env, options);
}

/** For app entry points: the config, or one line per problem on stderr and exit code 1. */
export function loadConfigOrExit(options: LoadOptions = {}): HookrelayConfig {
  try {
    return loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hookrelay: invalid config\n${error.problems.join('\n')}\n`);
      process.exit(1);
    }
    throw error;
  }
}
