/**
 * The demo backend's two ways of being a backend worth protecting (README.md → "Protecting your
 * backend"), set with POST /_control: a tolerated rate, beyond which it answers 429, and an outage
 * switch, while which it answers every delivery with an error.
 */

/** `{"tolerate": {"max": 50, "per": "1s"}}`: a burst of up to `max`, then `max` per `per`. */
export interface Tolerate {
  readonly max: number;
  /** As written: `500ms`, `1s`, `1m` or `1h`. */
  readonly per: string;
}

/** `{"outage": true}` or `{"outage": {"status": 500, "retryAfter": "30"}}`: everything fails. */
export interface Outage {
  /** 500 to 599; 503 unless given. */
  readonly status: number;
  readonly retryAfter?: string;
}

export const OUTAGE_STATUS = 503;

/** `500ms`, `1s`, `1m`, `1h` → milliseconds (1 ms to 1 h), or undefined. */
export function perMs(per: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)$/.exec(per);
  if (!match) return undefined;
  const ms = Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2]!]!;
  return ms >= 1 && ms <= 3_600_000 ? ms : undefined;
}

/**
 * A token bucket, as many APIs count: a burst of up to `max`, refilled at `max` per `per`. A
 * delivery finding no token is refused, with Retry-After the whole seconds until the next (at
 * least 1). So a relay starting `max` per window of `per` is never refused, however its windows
 * fall against this one's clock.
 */
export class RateTolerance {
  private tokens: number;
  private last: number;
  private readonly msPerToken: number;

  constructor(
    readonly setting: Tolerate,
    private readonly now: () => number = Date.now,
  ) {
    this.msPerToken = perMs(setting.per)! / setting.max;
    this.tokens = setting.max;
    this.last = now();
  }

  /** Undefined when this delivery is within the rate, else the Retry-After in seconds. */
  take(): number | undefined {
    const now = this.now();
    this.tokens = Math.min(this.setting.max, this.tokens + (now - this.last) / this.msPerToken);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * this.msPerToken) / 1000));
  }
}

/** The most of `times` (epoch ms, any order) within any window of `windowMs` (sliding, not fixed). */
export function busiestWindow(times: readonly number[], windowMs = 1_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
