import { z } from 'zod';
import { duration, port, size } from '@hookrelay/units';
import { isValidLocation, verifyConfigSchema } from '@hookrelay/verifiers';

const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const RESERVED_PATHS = ['/healthz', '/readyz', '/metrics'];

/** Unset (`${VAR:-}`) is allowed here; whitespace only is a mistake, not a password. */
const optionalCredential = z
  .string()
  .refine((value) => value === '' || value.trim() !== '', 'blank: only whitespace')
  .optional();

const location = z.string().refine(isValidLocation, 'expected body.<field> or headers.<name>');

const retry = z.object({
  attempts: z.coerce.number().int().min(1).max(100).optional(),
  backoff: z.enum(['exponential', 'linear', 'fixed']).optional(),
  delay: duration.optional(),
  maxDelay: duration.optional(),
  jitter: z.coerce.number().min(0).max(1).optional(),
});

const destination = z.object({
  name: z.string().regex(NAME, 'lowercase letters, digits, - and _').optional(),
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  format: z.enum(['raw', 'envelope']).default('raw'),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: duration.optional(),
  retry: retry.optional(),
});

const source = z
  .object({
    path: z.string().startsWith('/', 'must start with /').optional(),
    bodyLimit: size.optional(),
    verify: verifyConfigSchema,
    event: z
      .object({
        id: location.optional(),
        type: location.optional(),
        delayUntil: location.optional(),
      })
      .default({}),
    /** How the body is parsed for event locations and envelopes; default: the provider's own format. */
    format: z.enum(['json', 'form']).optional(),
    /**
     * De-duplicate on the signed content as well as the event id. Default: on for schemes that sign
     * no timestamp (a captured request could otherwise be replayed with a fresh unsigned id header).
     */
    dedupe: z.object({ content: z.boolean().optional() }).default({}),
    destination: destination.optional(),
    destinations: z.array(destination).min(1).optional(),
    retry: retry.optional(),
    timeout: duration.optional(),
    /** Body logging is off by default: payment payloads carry personal data. */
    log: z
      .object({ body: z.boolean().default(false), bodyMaxBytes: size.default(2048) })
      .prefault({}),
  })
  .superRefine((value, ctx) => {
    if (!value.destination === !value.destinations) {
      ctx.addIssue({
        code: 'custom',
        path: ['destination'],
        message: 'set exactly one of destination or destinations',
      });
    }
    const names = (value.destinations ?? []).map((d, i) => d.name ?? `d${i + 1}`);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['destinations', i, 'name'],
          message: 'duplicate destination name',
        });
    });
  });

export const configSchema = z
  .object({
    redis: z
      .object({
        url: z.string().default('redis://127.0.0.1:6379'),
        prefix: z.string().min(1).default('hookrelay'),
        cluster: z.array(z.string()).optional(),
        sentinels: z.array(z.string()).optional(),
        name: z.string().optional(),
      })
      .prefault({}),
    ingress: z
      .object({
        port: port.default(3000),
        host: z.string().default('0.0.0.0'),
        bodyLimit: size.default(1024 * 1024),
        /** Answer within this time even when Redis hangs (SPEC: 503 within 1 s). */
        enqueueTimeout: duration.default(800),
        trustProxy: z.boolean().default(false),
        /** Slow clients: all headers within this time, else the connection is closed. */
        headersTimeout: duration.default(10_000),
        /** Slow clients: the whole request (headers and body) within this time, else 408. */
        requestTimeout: duration.default(30_000),
        /** Open connections at most; further ones are closed at once. */
        maxConnections: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
      })
      .prefault({}),
    dashboard: z
      .object({
        port: port.default(3001),
        /** Loopback by default: the ops surface is not for the internet (compose sets 0.0.0.0). */
        host: z.string().default('127.0.0.1'),
        username: z.string().default('admin'),
        password: optionalCredential,
        token: optionalCredential,
      })
      .prefault({}),
    worker: z
      .object({
        port: port.default(3002),
        host: z.string().default('0.0.0.0'),
        concurrency: z.coerce.number().int().min(1).max(1000).default(50),
        shutdownTimeout: duration.default(30_000),
        /** How long a delivery may run before another worker may take it over after a crash. */
        lockDuration: duration.default(30_000),
      })
      .prefault({}),
    demoBackend: z
      .object({ port: port.default(4000), host: z.string().default('127.0.0.1') })
      .prefault({}),
    signing: z.object({ secret: z.string().optional() }).prefault({}),
    log: z
      .object({ level: z.enum(['error', 'warn', 'info', 'debug']).default('info') })
      .prefault({}),
    retention: z
      .object({
        delivered: duration.default(86_400_000),
        dead: duration.default(14 * 86_400_000),
        dedupe: duration.default(86_400_000),
      })
      .prefault({}),
    defaults: z
      .object({
        retry: retry.prefault({}),
        timeout: duration.default(10_000),
      })
      .prefault({}),
    sources: z.record(
      z.string().regex(NAME, 'source names use lowercase letters, digits, - and _'),
      source,
    ),
  })
  .superRefine((value, ctx) => {
    const seen = new Map<string, string>();
    for (const [name, src] of Object.entries(value.sources)) {
      const path = src.path ?? `/webhooks/${name}`;
      if (RESERVED_PATHS.includes(path))
        ctx.addIssue({ code: 'custom', path: ['sources', name, 'path'], message: 'reserved path' });
      const other = seen.get(path);
      if (other)
        ctx.addIssue({
          code: 'custom',
          path: ['sources', name, 'path'],
          message: `same path as source ${other}`,
        });
      seen.set(path, name);
    }
    if (value.redis.sentinels && !value.redis.name) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'name'], message: 'required with sentinels' });
    }
    if (value.signing.secret && !/^whsec_[A-Za-z0-9+/=]+$/.test(value.signing.secret)) {
      ctx.addIssue({
        code: 'custom',
        path: ['signing', 'secret'],
        message: 'expected whsec_ followed by base64',
      });
    }
  });

export type RawConfig = z.output<typeof configSchema>;
