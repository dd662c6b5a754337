import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { HookrelayConfig } from '@hookrelay/config';

type DashboardCredentials = Pick<HookrelayConfig['dashboard'], 'username' | 'password' | 'token'>;

/** The dashboard would be open to anyone: no `dashboard.password` and no `dashboard.token`. */
export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentialsError';
  constructor() {
    super(
      'the dashboard needs credentials: set DASHBOARD_PASSWORD or DASHBOARD_TOKEN (dashboard.password / dashboard.token in hookrelay.yaml)',
    );
  }
}

/** Hashing first gives equal-length inputs, so the comparison time says nothing about length or content. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function same(presented: Buffer, expected: Buffer): boolean {
  return timingSafeEqual(presented, expected);
}

/** The Authorization header split into a lower-cased scheme and its value ('' when absent). */
function authorizationOf(headers: IncomingHttpHeaders): { scheme: string; value: string } {
  const header = headers.authorization;
  if (typeof header !== 'string') return { scheme: '', value: '' };
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  return { scheme: scheme.toLowerCase(), value };
}

function decodeBasic(encoded: string): { username: string; password: string } | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const MAX_LOGGED_USERNAME = 64;

/**
 * Who a request claims to be, for the failed-login log: the scheme and, for Basic, the username
 * (cut short). Never the password, the token or the header itself.
 */
export function presentedIdentity(headers: IncomingHttpHeaders): {
  scheme: string;
  username?: string;
} {
  const { scheme, value } = authorizationOf(headers);
  if (scheme === 'basic') {
    const username = decodeBasic(value)?.username;
    return { scheme, username: username?.slice(0, MAX_LOGGED_USERNAME) };
  }
  return { scheme: scheme === 'bearer' ? scheme : 'other' };
}

/** Whether the config gives the dashboard any credential (an empty `${VAR:-}` counts as none). */
export function hasCredentials(config: DashboardCredentials): boolean {
  return Boolean(config.password || config.token);
}

/** Checks `Authorization: Basic …` (username + password) or `Authorization: Bearer <token>` in constant time. */
export class CredentialCheck {
  private readonly username: Buffer;
  private readonly password?: Buffer;
  private readonly token?: Buffer;

  constructor(config: DashboardCredentials) {
    if (!hasCredentials(config)) throw new MissingCredentialsError();
    this.username = digest(config.username);
    this.password = config.password ? digest(config.password) : undefined;
    this.token = config.token ? digest(config.token) : undefined;
  }

  accepts(headers: IncomingHttpHeaders): boolean {
    const { scheme, value } = authorizationOf(headers);
    switch (scheme) {
      case 'basic':
        return this.acceptsBasic(value);
      case 'bearer':
        return this.token !== undefined && same(digest(value), this.token);
      default:
        return false;
    }
  }

  private acceptsBasic(encoded: string): boolean {
    if (!this.password) return false;
    const pair = decodeBasic(encoded);
    if (pair === undefined) return false;
    // Both halves are always compared, so a right username with a wrong password takes as long as anything else.
    const userMatches = same(digest(pair.username), this.username);
    const passwordMatches = same(digest(pair.password), this.password);
    return userMatches && passwordMatches;
  }
}
