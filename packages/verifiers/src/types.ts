import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';

/** What a verifier sees of a request: the exact bytes and the lowercased headers. */
export interface IncomingWebhook {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  /** The full URL the provider called (for schemes that sign it, such as Twilio). */
  readonly url: string;
}

export type RejectionCode =
  'signature_missing' | 'signature_invalid' | 'timestamp_out_of_tolerance';

export type Verdict =
  | {
      readonly ok: true;
      /**
       * Stands for the signed content: the signature value that verified (the same content always
       * gives the same value). Absent when nothing binds the body (tokens, Flutterwave v3).
       */
      readonly fingerprint?: string;
    }
  | { readonly ok: false; readonly code: RejectionCode; readonly message: string };

export const ACCEPTED: Verdict = Object.freeze({ ok: true });

/** Accepted, with the signature value that verified as the content's fingerprint. */
export function accepted(fingerprint: string): Verdict {
  return { ok: true, fingerprint };
}

/** Accepted with the matching signature as fingerprint, or `signature_invalid` when none matched. */
export function signatureVerdict(match: string | undefined, failure: string): Verdict {
  return match === undefined ? reject('signature_invalid', failure) : accepted(match);
}

export function reject(code: RejectionCode, message: string): Verdict {
  return { ok: false, code, message };
}

/** A verifier built once per source at start-up; `verify` runs on every request. */
export interface Verifier {
  /** Provider signature headers forwarded to the backend in raw format, so it can re-verify. */
  readonly forwardHeaders: readonly string[];
  /**
   * The headers a signature or credential comes in. A request carrying none of them is unsigned and
   * is refused before its body is read (an unauthenticated client must not make the ingress buffer
   * a body). Empty for `none`.
   */
  readonly signatureHeaders: readonly string[];
  verify(request: IncomingWebhook, nowMs: number): Verdict | Promise<Verdict>;
}

/** Where a provider puts its event id and type: `body.a.b` or `headers.x-name`. */
export interface EventLocations {
  readonly id?: string;
  readonly type?: string;
  /** The provider object an envelope's `data` carries (Stripe: `body.data.object`); default the whole body. */
  readonly data?: string;
}

export interface SignOptions {
  readonly nowMs: number;
  /** The URL the request is sent to (for schemes that sign it). */
  readonly url: string;
}

/** A webhook as its provider would send it, before signing. */
export interface SampleRequest {
  readonly body: Buffer;
  readonly contentType: string;
  /** The provider's own headers besides the signature (delivery ids, topics…). */
  readonly headers: Readonly<Record<string, string>>;
}

/** A realistic webhook of one provider, for `hookrelay send` and the tests. */
export interface ProviderSample {
  /** The event type of a sample when none is asked for; absent when the provider's webhooks name none. */
  readonly eventType?: string;
  /**
   * The event types `build` has a payload of its own for, `eventType` among them; default
   * `eventType` alone. Any other type asked for gets the `eventType` payload with only its type
   * label changed.
   */
  readonly eventTypes?: readonly string[];
  /**
   * Where the sample's id and type are, for a provider without default `event` locations (a source of
   * that type names them in `event:`).
   */
  readonly event?: EventLocations;
  /** A new event (fresh ids and content, so that a repeat is not a duplicate) of the type asked for, else `eventType`. */
  readonly build: (eventType: string | undefined, now: Date) => SampleRequest;
}

/** Throwaway credentials to test a provider with: never real ones. */
export interface TestConfig {
  /** Accepted secrets, the previous one of a rotation first and the current one last (one for `basic`). */
  readonly secrets: readonly string[];
  /** A secret of the right form that must be refused; absent for `none`. */
  readonly wrongSecret?: string;
  /** The `verify:` block, as written in a config file, accepting `secrets`. */
  readonly verify: (
    secrets: readonly string[],
  ) => { readonly type: string } & Record<string, unknown>;
}

/**
 * Everything hookrelay knows about one `verify.type`. Adding a provider means adding one of these
 * (README "Adding a provider"): the CLI's samples, the logger's redaction, the contract suite and the
 * end-to-end provider table are built from it.
 */
export interface ProviderDefinition<Config extends { type: string } = { type: string }> {
  readonly type: string;
  readonly aliases?: readonly string[];
  /** Config keys besides `type`, validated at start-up. */
  readonly schema: z.ZodType<Config>;
  readonly create: (config: Config) => Verifier;
  /** Produces the headers a genuine provider request would carry (tests and `hookrelay send`). */
  readonly sign?: (config: Config, body: Buffer, options: SignOptions) => Record<string, string>;
  /** Default event id / type locations, overridable per source with `event:`. */
  readonly event?: EventLocations;
  /** How this provider's bodies are parsed; `json` when absent. Never the sender's Content-Type. */
  readonly bodyFormat?: BodyFormat;
  /**
   * What stops a captured request from being accepted again (README "Security"): `timestamp`, a
   * signed timestamp checked against the tolerance; `content`, nothing time-bound is signed, so a
   * repeat of the signed content is a duplicate; `none`, a credential that signs nothing.
   */
  readonly replayGuard: ReplayGuard;
  /**
   * Headers whose values are signatures or credentials: the logger masks them (`REDACTED_HEADERS`).
   * A header named in the config (`token`, `hmac`) cannot be listed here.
   */
  readonly redactHeaders: readonly string[];
  /** What `hookrelay send` posts and the tests sign; absent when none can be made. */
  readonly sample?: ProviderSample;
  readonly testConfig: TestConfig;
}

export type BodyFormat = 'json' | 'form';
export type ReplayGuard = 'timestamp' | 'content' | 'none';
