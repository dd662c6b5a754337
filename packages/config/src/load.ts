import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { readDotenv } from './dotenv.js';
import type { z } from 'zod';
import { asWritten } from './as-written.js';
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
  /** The file the text comes from, as problems name it (`other.yaml:3: not valid YAML`); default `config`. */
  readonly file?: string;
}

export interface LoadOptions extends Omit<ParseOptions, 'file'> {
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

/** The config file, and its name for problems: the path as given, or as found from here. */
function configFile(options: LoadOptions): { path: string; shown: string } {
  const env = options.env ?? process.env;
  const explicit = options.path ?? env.HOOKRELAY_CONFIG;
  if (explicit) return { path: resolvePath(explicit), shown: explicit };
  const found = findConfigFile(process.cwd());
  if (!found)
    throw new ConfigError(['hookrelay.yaml: not found (set HOOKRELAY_CONFIG to its path)']);
  return { path: found, shown: relative(process.cwd(), found) };
}

export function configPath(options: LoadOptions = {}): string {
  return configFile(options).path;
}

/**
 * `<file>:<line>: not valid YAML (<reason>)`. The reason is the parser's message without its
 * position and without any text of the file it quotes (`…: "<text>"`, the excerpt after it), which
 * could be a secret.
 */
function yamlProblem(error: unknown, file: string): string {
  const { linePos, message } = error as { linePos?: { line: number }[]; message?: unknown };
  const line = linePos?.[0]?.line;
  const reason = typeof message === 'string' ? message.split(/\n|: | at line \d+/)[0]!.trim() : '';
  return `${file}${line ? `:${line}` : ''}: not valid YAML${reason ? ` (${reason})` : ''}`;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The file's tree after `${VAR}` substitution, validated, and the config it resolves to. */
function parse(text: string, env: Env, options: ParseOptions) {
  let tree: unknown;
  try {
    tree = parseYamlWithEnv(text, env) ?? {};
  } catch (error) {
    throw new ConfigError([yamlProblem(error, options.file ?? 'config')]);
  }
  const schema = schemaFor(options.verify);
  const result = schema.safeParse(tree);
  if (!result.success) throw new ConfigError(result.error.issues.flatMap(problemLines));
  return { schema, tree, config: result.data };
}

/** A valid config, resolved, and as its file says it. */
export interface ConfigAsWritten {
  readonly config: HookrelayConfig;
  /**
   * The file's own shape and key names, after `${VAR}` substitution, with every default written out
   * (see `asWritten`); read again, secrets included, it resolves to `config`. What `hookrelay config
   * check` prints.
   */
  readonly written: Record<string, unknown>;
}

const withWritten = ({ schema, tree, config }: ReturnType<typeof parse>): ConfigAsWritten => ({
  config,
  written: asWritten(schema, tree) as Record<string, unknown>,
});

/** Parses a config text; throws ConfigError naming each bad path, never a value. */
export function parseConfig(
  text: string,
  env: Env = process.env,
  options: ParseOptions = {},
): HookrelayConfig {
  return parse(text, env, options).config;
}

/** `parseConfig`, and the config as its text says it. */
export function parseConfigAsWritten(
  text: string,
  env: Env = process.env,
  options: ParseOptions = {},
): ConfigAsWritten {
  return withWritten(parse(text, env, options));
}

/** The config file's path and text, the variables for it, and its name for problems. */
function readConfigFile(options: LoadOptions) {
  const { path, shown } = configFile(options);
  const env = { ...readDotenv(join(dirname(path), '.env')), ...(options.env ?? process.env) };
  try {
    const text = readFileSync(path, 'utf8');
    return { path, text, env, options: { verify: options.verify, file: shown } };
  } catch {
    throw new ConfigError([`${shown}: cannot be read`]);
  }
}

/**
 * Reads, substitutes, validates and resolves the config once at start-up. Variables come from the
 * environment, then from a `.env` beside the config file (as docker compose reads it).
 */
export function loadConfig(options: LoadOptions = {}): HookrelayConfig {
  const file = readConfigFile(options);
  return parse(file.text, file.env, file.options).config;
}

/** `loadConfig`, the config as its file says it, and the file's path. */
export function loadConfigAsWritten(
  options: LoadOptions = {},
): ConfigAsWritten & { readonly path: string } {
  const file = readConfigFile(options);
  return { path: file.path, ...withWritten(parse(file.text, file.env, file.options)) };
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
