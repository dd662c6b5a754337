import { describe, expect, it } from 'vitest';
import { isValidLocation, PROVIDERS } from '../src/index.js';
import { eventField, incoming } from './helpers.js';

describe('event locations', () => {
  it('reads the first alternative that is present', () => {
    const location = 'body.webhook_id|body.data.id';
    expect(eventField(location, incoming('{"webhook_id":"wbk_1","data":{"id":"chg_1"}}'))).toBe(
      'wbk_1',
    );
    expect(
      eventField(location, incoming('{"event":"charge.completed","data":{"id":285959875}}')),
    ).toBe('285959875');
    expect(eventField(location, incoming('{}'))).toBeUndefined();
  });

  it('refuses alternatives that mix headers and body, so "needs the body" stays a prefix check', () => {
    expect(isValidLocation('headers.x-id|body.id')).toBe(false);
    expect(isValidLocation('headers.webhook-id|headers.svix-id')).toBe(true);
    expect(isValidLocation('body.id|')).toBe(false);
  });

  it('gives every provider valid default locations', () => {
    for (const provider of PROVIDERS) {
      for (const location of Object.values(provider.event ?? {}))
        expect(isValidLocation(location), `${provider.type}: ${location}`).toBe(true);
    }
  });
});
