export interface LoginThrottleOptions {
  /** Failed logins a client may make within one window before it is refused. */
  readonly maxFailures?: number;
  /** The window starts at a client's first failure; when it ends the client starts afresh. */
  readonly windowMs?: number;
  /** Clients tracked at most: past this, the client whose window started first is forgotten. */
  readonly maxClients?: number;
  /** The clock, injectable so tests can move past a window without waiting for it. */
  readonly now?: () => number;
}

export const DEFAULT_LOGIN_THROTTLE = {
  maxFailures: 10,
  windowMs: 60_000,
  maxClients: 10_000,
} as const;

interface Window {
  readonly startedAt: number;
  failures: number;
}

/**
 * Counts failed logins per client address in a fixed window and refuses a client that had too
 * many, whatever it sends, until its window ends. Memory is bounded: a Map keeps insertion order,
 * and an entry is (re)inserted when its window starts, so the first entry is always the oldest
 * window, which is the one to drop when the map is full. Every operation is O(1).
 */
export class LoginThrottle {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;
  private readonly windows = new Map<string, Window>();

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? DEFAULT_LOGIN_THROTTLE.maxFailures;
    this.windowMs = options.windowMs ?? DEFAULT_LOGIN_THROTTLE.windowMs;
    this.maxClients = options.maxClients ?? DEFAULT_LOGIN_THROTTLE.maxClients;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `client` may try again; 0 when it may try now (one Map lookup). */
  refusedForMs(client: string): number {
    const window = this.windows.get(client);
    if (window === undefined || window.failures < this.maxFailures) return 0;
    const left = window.startedAt + this.windowMs - this.now();
    if (left > 0) return left;
    this.windows.delete(client);
    return 0;
  }

  /** Records one failed login of `client`; returns its failures in the current window. */
  recordFailure(client: string): number {
    const now = this.now();
    const current = this.windows.get(client);
    if (current !== undefined && now - current.startedAt < this.windowMs) {
      current.failures += 1;
      return current.failures;
    }
    this.windows.delete(client);
    this.makeRoom(now);
    this.windows.set(client, { startedAt: now, failures: 1 });
    return 1;
  }

  /** Clients tracked now (for tests of the bound). */
  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    for (const [client, window] of this.windows) {
      // Oldest first: stop at the first window still running once there is room.
      if (this.windows.size < this.maxClients && now - window.startedAt < this.windowMs) return;
      this.windows.delete(client);
    }
  }
}
