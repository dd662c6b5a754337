import { describe, expect, it } from 'vitest';
import {
  CredentialCheck,
  hasCredentials,
  MissingCredentialsError,
  presentedIdentity,
} from '../src/credentials.js';

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('dashboard credentials', () => {
  const both = new CredentialCheck({ username: 'admin', password: 'pa:ss wörd', token: 'tok-123' });

  it('accepts the right Basic credentials, even with a colon and non-ASCII in the password', () => {
    expect(both.accepts(basic('admin', 'pa:ss wörd'))).toBe(true);
    expect(
      both.accepts({
        authorization: `basic  ${basic('admin', 'pa:ss wörd').authorization.slice(6)}`,
      }),
    ).toBe(true);
  });

  it('accepts the Bearer token, whatever the case of the scheme', () => {
    expect(both.accepts({ authorization: 'Bearer tok-123' })).toBe(true);
    expect(both.accepts({ authorization: 'bearer tok-123' })).toBe(true);
  });

  it('refuses a wrong user, password or token, a prefix of them, and anything malformed', () => {
    for (const headers of [
      {},
      basic('admin', 'pa:ss'),
      basic('Admin', 'pa:ss wörd'),
      basic('admin', 'pa:ss wörd '),
      { authorization: 'Bearer tok-12' },
      { authorization: 'Bearer tok-1234' },
      { authorization: 'Bearer' },
      { authorization: 'Basic' },
      { authorization: 'Basic !!!notbase64' },
      { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
      { authorization: 'tok-123' },
    ]) {
      expect(both.accepts(headers), JSON.stringify(headers)).toBe(false);
    }
  });

  it('does not take the token as a password or the password as a token', () => {
    expect(both.accepts(basic('admin', 'tok-123'))).toBe(false);
    expect(both.accepts({ authorization: 'Bearer pa:ss wörd' })).toBe(false);
  });

  it('a token-only dashboard refuses Basic, a password-only one refuses Bearer', () => {
    const tokenOnly = new CredentialCheck({ username: 'admin', token: 'tok' });
    expect(tokenOnly.accepts(basic('admin', ''))).toBe(false);
    expect(tokenOnly.accepts({ authorization: 'Bearer tok' })).toBe(true);
    const passwordOnly = new CredentialCheck({ username: 'admin', password: 'pw' });
    expect(passwordOnly.accepts({ authorization: 'Bearer ' })).toBe(false);
    expect(passwordOnly.accepts(basic('admin', 'pw'))).toBe(true);
  });

  it('refuses to exist without a password or a token (empty strings count as none)', () => {
    expect(hasCredentials({ username: 'admin', password: '', token: '' })).toBe(false);
    expect(() => new CredentialCheck({ username: 'admin', password: '', token: '' })).toThrow(
      MissingCredentialsError,
    );
  });

  it('names who tried, for the failed-login log: the scheme and a Basic username, never a secret', () => {
    expect(presentedIdentity(basic('admin', 'pa:ss wörd'))).toEqual({
      scheme: 'basic',
      username: 'admin',
    });
    expect(presentedIdentity(basic('x'.repeat(500), 'pw')).username).toHaveLength(64);
    expect(presentedIdentity({ authorization: 'Bearer tok-123' })).toEqual({ scheme: 'bearer' });
    expect(presentedIdentity({ authorization: 'Digest secret-stuff' })).toEqual({
      scheme: 'other',
    });
    expect(JSON.stringify(presentedIdentity(basic('admin', 'pa:ss wörd')))).not.toContain('pa:ss');
  });
});
