import type { VerifyConfig } from '@hookrelay/verifiers';

export type BackoffKind = 'exponential' | 'linear' | 'fixed';

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoff: BackoffKind;
  readonly delayMs: number;
  readonly maxDelayMs: number;
  /** Fraction of each delay drawn at random (0 = none), so retries of many events spread out. */
  readonly jitter: number;
}

export interface DestinationConfig {
  readonly name: string;
  readonly url: string;
  readonly format: 'raw' | 'envelope';
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
}

export interface SourceConfig {
  readonly name: string;
  /** Every path the ingress answers for this source (its own path and /webhooks/<name>). */
  readonly paths: readonly string[];
  readonly bodyLimit: number;
  readonly verify: VerifyConfig;
  readonly event: { readonly id?: string; readonly type?: string; readonly delayUntil?: string };
  /** How the body is parsed (event locations, envelopes): never by the sender's Content-Type. */
  readonly format: 'json' | 'form';
  /** De-duplicate on the signed content (see README "Security"); resolved from the provider's default. */
  readonly dedupeContent: boolean;
  readonly destinations: readonly DestinationConfig[];
  readonly log: { readonly body: boolean; readonly bodyMaxBytes: number };
}

export interface RedisConfig {
  readonly url: string;
  readonly prefix: string;
  readonly cluster?: readonly string[];
  readonly sentinels?: readonly string[];
  readonly name?: string;
}

export interface HookrelayConfig {
  readonly redis: RedisConfig;
  readonly ingress: {
    readonly port: number;
    readonly host: string;
    readonly bodyLimit: number;
    readonly enqueueTimeoutMs: number;
    readonly trustProxy: boolean;
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly maxConnections: number;
  };
  readonly dashboard: {
    readonly port: number;
    readonly host: string;
    readonly username: string;
    readonly password?: string;
    readonly token?: string;
  };
  readonly worker: {
    readonly port: number;
    readonly host: string;
    readonly concurrency: number;
    readonly shutdownTimeoutMs: number;
    readonly lockDurationMs: number;
  };
  readonly demoBackend: { readonly port: number; readonly host: string };
  readonly signing: { readonly secret?: string };
  readonly log: { readonly level: 'error' | 'warn' | 'info' | 'debug' };
  readonly retention: {
    readonly deliveredMs: number;
    readonly deadMs: number;
    readonly dedupeMs: number;
  };
  readonly sources: readonly SourceConfig[];
}
