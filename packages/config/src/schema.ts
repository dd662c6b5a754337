import { z } from 'zod';
import { duration, location, port, size, whsecSecret } from '@hookrelay/units';

/*
 * Every key of hookrelay.yaml is declared once, here: its type, default, validation and a one-line
 * doc. The types the apps use (HookrelayConfig and its parts, at the end) are what this schema
 * outputs, so there is nothing to keep in step: a duration `<key>` comes out in milliseconds as
 * `<key>Ms`, and each source comes out resolved (destinations named, retry policies merged, paths,
 * timeouts and provider defaults filled in). Every object refuses keys it does not declare.
 */

const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const RESERVED_PATHS = ['/healthz', '/readyz', '/metrics'];

/** Every path a source answers on: its own `path`, then `/webhooks/<name>`, which always works. */
const pathsOf = (name: string, path: string | undefined): string[] => [
  ...new Set([path ?? `/webhooks/${name}`, `/webhooks/${name}`]),
];

// --- The verify plug-in: config knows only that a `verify:` block has a `type` ---------------------

/** A source's `verify:` block as the plug-in validated it. */
export type VerifyConfig = { type: string } & Record<string, unknown>;

const bodyFormat = z.enum(['json', 'form']);

/** What config asks of whoever knows the providers: `verifyPlugin` from @hookrelay/verifiers. */
export interface VerifyPlugin {
  /** Validates one `verify:` block; its issue paths are relative to the block. */
  readonly schema: z.ZodType<VerifyConfig>;
  /** The source defaults that follow from a valid block's `type`. */
  defaultsFor(type: string): {
    readonly format: z.output<typeof bodyFormat>;
    readonly dedupeContent: boolean;
  };
}

/** Without a plug-in: a block needs a `type`, bodies are JSON, de-duplication is by event id. */
const typeOnly: VerifyPlugin = {
  schema: z.looseObject({ type: z.string({ error: 'required' }) }),
  defaultsFor: () => ({ format: 'json', dedupeContent: false }),
};

// --- Field helpers ---------------------------------------------------------------------------------

/**
 * Redis nodes: a YAML list, or one comma-separated string so that an env variable can carry them
 * (`sentinels: ${REDIS_SENTINELS:-}`); an empty string is no list.
 */
const nodeList = z
  .preprocess(
    (value) => {
      if (typeof value !== 'string') return value;
      const nodes = value
        .split(',')
        .map((node) => node.trim())
        .filter(Boolean);
      return nodes.length ? nodes : undefined;
    },
    z.array(z.string().min(1)).min(1).optional(),
  )
  .optional();

const msDuration = duration.brand<'ms'>();
type Ms = z.output<typeof msDuration>;
/** A duration with a default: `500ms`, `10s`, `5m`, `1h`, `3d` or milliseconds; output as `<key>Ms`. */
const ms = (fallback: number) => msDuration.default(fallback as Ms);

type Plain<V> = V extends Ms ? number : V;
type WithMs<T> = {
  [K in keyof T as NonNullable<T[K]> extends Ms ? `${K & string}Ms` : K]: Plain<T[K]>;
};

function baseOf(schema: z.core.$ZodType): z.core.$ZodType {
  while (
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodPrefault
  )
    schema = schema.unwrap();
  return schema;
}

/** A strict object whose duration keys come out in milliseconds as `<key>Ms`. */
function section<Shape extends z.ZodRawShape>(shape: Shape) {
  const durations = new Set(Object.keys(shape).filter((key) => baseOf(shape[key]!) === duration));
  return z
    .strictObject(shape)
    .transform(
      (value) =>
        Object.fromEntries(
          Object.entries(value).map(([key, v]) => [durations.has(key) ? `${key}Ms` : key, v]),
        ) as WithMs<z.output<z.ZodObject<Shape, z.core.$strict>>>,
    );
}

type Overrides<S extends z.ZodRawShape> = {
  [K in keyof S]: S[K] extends z.ZodDefault<infer T extends z.ZodType> ? z.ZodOptional<T> : S[K];
};
/** The same keys with no defaults: an override sets only what it names. */
function overrides<S extends z.ZodRawShape>(shape: S): Overrides<S> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, s]) => [
      key,
      s instanceof z.ZodDefault ? (s.unwrap() as z.ZodType).optional() : s,
    ]),
  ) as Overrides<S>;
}

/** `base` with every key `override` sets. */
function merged<T extends object>(base: T, override: Partial<T> | undefined): T {
  const set = Object.entries(override ?? {}).filter(([, value]) => value !== undefined);
  return { ...base, ...Object.fromEntries(set) };
}

/** Unset (`${VAR:-}`) is allowed here; whitespace only is a mistake, not a password. */
const optionalCredential = z
  .string()
  .refine((value) => value === '' || value.trim() !== '', 'blank: only whitespace')
  .optional();

// --- Retry and destinations ------------------------------------------------------------------------

const retryFields = {
  /** Attempts in all, the first one included. */
  attempts: z.coerce.number().int().min(1).max(100).default(10),
  /** How the delay grows from one attempt to the next. */
  backoff: z.enum(['exponential', 'linear', 'fixed']).default('exponential'),
  /** The delay before the second attempt. */
  delay: ms(1_000),
  /** The longest delay between two attempts. */
  maxDelay: ms(3_600_000),
  /** Fraction of each delay drawn at random (0 = none), so retries of many events spread out. */
  jitter: z.coerce.number().min(0).max(1).default(0.2),
};
const retryPolicy = section(retryFields);
/** A source's or a destination's `retry:`: overrides the keys it names. */
const retryOverride = section(overrides(retryFields));

/** `50%` or `0.5`: a fraction above 0, at most 1. */
const fraction = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const text = String(value).trim();
  const rate = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (text === '' || text === '%' || !Number.isFinite(rate) || rate <= 0 || rate > 1) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a rate above 0, at most 1, such as 50% or 0.5',
    });
    return z.NEVER;
  }
  return rate;
});

/** docs/contract.md §5: the circuit breaker's settings. */
const breakerSettings = section({
  /** Opens when at least this fraction of the attempts in `window` failed. */
  failureRate: fraction.default(0.5),
  /** …and at least this many attempts were made in `window`. */
  minRequests: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** The span of recent attempts the failure rate is measured over. */
  window: ms(30_000),
  /** How long it stays open before one trial delivery. */
  cooldown: ms(30_000),
});

const destination = section({
  /** Default `default` for a lone `destination:`, `d1`, `d2`… in `destinations:`. */
  name: z.string().regex(NAME, 'lowercase letters, digits, - and _').optional(),
  /** Where deliveries are POSTed. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  /** `raw`: the provider's body and headers as received; `envelope`: hookrelay's JSON envelope. */
  format: z.enum(['raw', 'envelope']).default('raw'),
  /** Sent with every delivery (your backend's `authorization`); names lowercased. */
  headers: z
    .record(z.string(), z.string())
    .transform((headers) =>
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    )
    .default({}),
  /** Per attempt; default: the source's `timeout`, then `defaults.timeout`. */
  timeout: msDuration.optional(),
  /** Overrides the source's retry policy. */
  retry: retryOverride.optional(),
  /** At most `max` deliveries start per `per`, across every worker (docs/contract.md §5). */
  rateLimit: section({
    max: z.coerce.number().int().min(1).max(1_000_000),
    per: msDuration,
  }).optional(),
  /** Deliveries in flight at once, across every worker (docs/contract.md §5); default: no cap. */
  concurrency: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /**
   * Events with the same value here are delivered one at a time, in the order received; other
   * values in parallel (docs/ordering.md). An event without it is delivered unordered.
   */
  orderBy: location.optional(),
  /** `false`, or the circuit breaker's settings (docs/contract.md §5); on by default. */
  breaker: z
    .unknown()
    .transform((value, ctx): false | z.output<typeof breakerSettings> => {
      if (value === false) return false;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected false or {failureRate, minRequests, …}',
        });
        return z.NEVER;
      }
      // Not a union: its one "Invalid input" would hide which setting is wrong.
      const parsed = breakerSettings.safeParse(value);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
      return z.NEVER;
    })
    .prefault({}),
});

function sourceSchema(verify: VerifyPlugin) {
  return section({
    /** Where the provider POSTs; `/webhooks/<name>` always works too. */
    path: z.string().startsWith('/', 'must start with /').optional(),
    /** Larger bodies get 413; default `ingress.bodyLimit`. */
    bodyLimit: size.optional(),
    /** `{type, …}`: the provider and its secrets, validated by the verify plug-in. */
    verify: verify.schema,
    /** Where the event id (de-duplication), type and delivery time are; providers have defaults. */
    event: z
      .strictObject({
        id: location.optional(),
        type: location.optional(),
        delayUntil: location.optional(),
      })
      .default({}),
    /** How the body is parsed for event locations and envelopes; default: the provider's own. */
    format: bodyFormat.optional(),
    /** `content`: a repeat of the signed content is a duplicate; default: the provider's own. */
    dedupe: z.strictObject({ content: z.boolean().optional() }).default({}),
    /** The one backend to deliver to (exactly one of destination and destinations). */
    destination: destination.optional(),
    /** Fan-out: each destination delivered and retried on its own. */
    destinations: z.array(destination).min(1).optional(),
    /** Overrides `defaults.retry` for this source. */
    retry: retryOverride.optional(),
    /** Overrides `defaults.timeout` for this source. */
    timeout: msDuration.optional(),
    /** Body logging is off by default: payment payloads carry personal data. */
    log: z
      .strictObject({ body: z.boolean().default(false), bodyMaxBytes: size.default(2048) })
      .prefault({}),
  }).transform(({ destination: single, destinations: list, ...source }, ctx) => {
    if (!single === !list) {
      ctx.addIssue({
        code: 'custom',
        path: ['destination'],
        message: 'set exactly one of destination or destinations',
      });
      return z.NEVER;
    }
    const named = list
      ? list.map((d, i) => ({ ...d, name: d.name ?? `d${i + 1}` }))
      : [{ ...single!, name: single!.name ?? 'default' }];
    named.forEach(({ name }, i) => {
      if (named.findIndex((d) => d.name === name) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['destinations', i, 'name'],
          message: 'duplicate destination name',
        });
    });
    return { ...source, destinations: named };
  });
}

/**
 * Source names follow the naming rule, and every path of every source (its `path` and
 * `/webhooks/<name>`) belongs to one source. Runs even when other keys are invalid, so all problems
 * come at once: `sources` may hold anything here. (A record's own key check would report only
 * "Invalid key in record", and skip that source's other problems.)
 */
function checkSources(sources: unknown, ctx: z.RefinementCtx) {
  if (typeof sources !== 'object' || sources === null) return;
  const owners = new Map<string, string>();
  for (const [name, source] of Object.entries(sources)) {
    if (!NAME.test(name))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'source names use lowercase letters, digits, - and _',
      });
    const own: unknown = (source as { path?: unknown } | null)?.path;
    const path = typeof own === 'string' ? own : undefined;
    if (path && RESERVED_PATHS.includes(path))
      ctx.addIssue({ code: 'custom', path: [name, 'path'], message: 'reserved path' });
    for (const claimed of pathsOf(name, path)) {
      const owner = owners.get(claimed);
      if (owner === undefined) owners.set(claimed, name);
      else {
        // Name the `path:` to change: this source's, or the other's when it took /webhooks/<name>.
        const [at, other] = claimed === path ? [name, owner] : [owner, name];
        ctx.addIssue({
          code: 'custom',
          path: [at, 'path'],
          message: `same path as source ${other}`,
        });
      }
    }
  }
}

// --- The file --------------------------------------------------------------------------------------

/** The resolved config is read, never changed (a verify block stays as the plug-in made it). */
type Frozen<T> = T extends VerifyConfig
  ? T
  : T extends readonly (infer E)[]
    ? readonly Frozen<E>[]
    : T extends object
      ? { readonly [K in keyof T]: Frozen<T[K]> }
      : T;

/** The schema of hookrelay.yaml, resolving as it validates; `verify` checks the `verify:` blocks. */
export function createConfigSchema(verify: VerifyPlugin = typeOnly) {
  return z
    .strictObject({
      redis: section({
        /** The Redis to use (one node). */
        url: z.string().default('redis://127.0.0.1:6379'),
        /** Key prefix; `{hookrelay}` on Redis Cluster. */
        prefix: z.string().min(1).default('hookrelay'),
        /** Redis Cluster: node URLs, instead of `url` (a list, or one comma-separated string). */
        cluster: nodeList,
        /** Redis Sentinel: `host:port` list, instead of `url`, with `name`. */
        sentinels: nodeList,
        /** The Sentinel master's name. */
        name: z.string().optional(),
        /** The Cluster nodes' or the Sentinel-managed master's password (`url` carries its own). */
        password: optionalCredential,
        /** The Sentinels' own password, when they require one. */
        sentinelPassword: optionalCredential,
        /**
         * Acknowledge (202) an event, a replay, only once Redis `WAIT` confirms this many replicas
         * hold it, within `ingress.enqueueTimeout`; otherwise 503 (docs/replicas.md). 0: the master's
         * own write (AOF) is enough.
         */
        waitForReplicas: z.coerce.number().int().min(0).max(16).default(0),
      })
        .superRefine((redis, ctx) => {
          if (redis.sentinels && !redis.name)
            ctx.addIssue({ code: 'custom', path: ['name'], message: 'required with sentinels' });
          // Every key of an event must live on one Cluster node: scripts touch several at once.
          if (redis.cluster && !/\{[^}]+\}/.test(redis.prefix))
            ctx.addIssue({
              code: 'custom',
              path: ['prefix'],
              message: 'needs a hash tag with cluster, e.g. "{hookrelay}"',
            });
        })
        .prefault({}),
      ingress: section({
        /** Where providers' webhooks arrive. */
        port: port.default(3000),
        host: z.string().default('0.0.0.0'),
        /** Larger bodies get 413; a source may set its own. */
        bodyLimit: size.default(1024 * 1024),
        /** Answer within this time even when Redis hangs (docs/contract.md §4: 503 within 1 s). */
        enqueueTimeout: ms(700),
        /** Honour `X-Forwarded-*` (behind a load balancer). */
        trustProxy: z.boolean().default(false),
        /** Slow clients: all headers within this time, else the connection is closed. */
        headersTimeout: ms(10_000),
        /** Slow clients: the whole request (headers and body) within this time, else 408. */
        requestTimeout: ms(30_000),
        /** Open connections at most; further ones are closed at once. */
        maxConnections: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
        /**
         * While Redis is unreachable (or slower than `enqueueTimeout`), fsync events to files here
         * and answer 202; they drain into Redis once it answers (docs/spool.md). Off by default.
         */
        spool: section({
          /** The spool's directory (relative: to the working directory); one ingress per directory. */
          dir: z.string().trim().min(1),
          /** Past this, the ingress answers 503 again. */
          maxBytes: size.default(1024 * 1024 * 1024),
        }).optional(),
      }).prefault({}),
      dashboard: section({
        /** Bull Board and the ops API, behind the credentials below. */
        port: port.default(3001),
        /** Loopback by default: the ops surface is not for the internet (compose sets 0.0.0.0). */
        host: z.string().default('127.0.0.1'),
        /** Basic auth user name. */
        username: z.string().default('admin'),
        /** Basic auth password; the dashboard refuses to start with neither password nor token. */
        password: optionalCredential,
        /** Bearer token, for scripts. */
        token: optionalCredential,
      }).prefault({}),
      worker: section({
        /** Serves `/healthz`, `/readyz` and `/metrics`. */
        port: port.default(3002),
        host: z.string().default('0.0.0.0'),
        /** Deliveries in flight per destination. */
        concurrency: z.coerce.number().int().min(1).max(1000).default(50),
        /** The longest wait for in-flight deliveries on SIGTERM. */
        shutdownTimeout: ms(30_000),
        /**
         * A delivery's lock, renewed while the delivery runs: after a crash, another worker takes
         * the delivery over once it lapses (docs/contract.md §8: within 15 s; see delivery-workers.ts).
         */
        lockDuration: ms(10_000),
      }).prefault({}),
      /** The stand-in backend of `npm start` and docker compose. */
      demoBackend: section({
        port: port.default(4000),
        host: z.string().default('127.0.0.1'),
      }).prefault({}),
      signing: section({
        /** `whsec_…`: deliveries carry Standard Webhooks signatures; unset: they carry none. */
        // An unset `${RELAY_SIGNING_SECRET:-}` is the empty string: no signing, not an error.
        secret: z
          .union([z.literal(''), whsecSecret])
          .transform((secret) => secret || undefined)
          .optional(),
      }).prefault({}),
      log: section({
        /** The least severe level written. */
        level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
      }).prefault({}),
      retention: section({
        /** How long a delivered event is kept. */
        delivered: ms(86_400_000),
        /** How long a dead (failed for good) event is kept for replay. */
        dead: ms(14 * 86_400_000),
        /** How long an event id or signed content is remembered for de-duplication. */
        dedupe: ms(86_400_000),
      }).prefault({}),
      defaults: section({
        /** The retry policy of every destination that does not override it. */
        retry: retryPolicy.prefault({}),
        /** Per delivery attempt. */
        timeout: ms(10_000),
      }).prefault({}),
      sources: z
        .record(z.string(), sourceSchema(verify))
        .superRefine(checkSources, { when: () => true }),
    })
    .transform(({ defaults, sources, ...sections }, ctx) => {
      // zod runs transforms past an unknown key; a file with any problem is not resolved.
      if (ctx.issues.length) return z.NEVER;
      const resolved = {
        ...sections,
        sources: Object.entries(sources).map(([name, source]) => {
          const retry = merged(defaults.retry, source.retry);
          const provider = verify.defaultsFor(source.verify.type);
          return {
            name,
            /** Every path the ingress answers for this source (its own path and /webhooks/<name>). */
            paths: pathsOf(name, source.path),
            bodyLimit: source.bodyLimit ?? sections.ingress.bodyLimit,
            verify: source.verify,
            event: source.event,
            /** How the body is parsed (event locations, envelopes): never by the sender's Content-Type. */
            format: source.format ?? provider.format,
            /** De-duplicate on the signed content (README "Security"); default from the provider. */
            dedupeContent: source.dedupe.content ?? provider.dedupeContent,
            destinations: source.destinations.map(({ name, timeoutMs, retry: own, ...rest }) => ({
              name,
              ...rest,
              timeoutMs: timeoutMs ?? source.timeoutMs ?? defaults.timeoutMs,
              retry: merged(retry, own),
            })),
            log: source.log,
          };
        }),
      };
      return resolved as Frozen<typeof resolved>;
    });
}

export type HookrelayConfig = z.output<ReturnType<typeof createConfigSchema>>;
export type SourceConfig = HookrelayConfig['sources'][number];
export type DestinationConfig = SourceConfig['destinations'][number];
export type RetryPolicy = DestinationConfig['retry'];
export type BackoffKind = RetryPolicy['backoff'];
export type RedisConfig = HookrelayConfig['redis'];
