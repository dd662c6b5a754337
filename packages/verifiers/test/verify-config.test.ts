import { describe, expect, it } from 'vitest';
import { verifyConfigSchema, verifyPlugin } from '../src/index.js';

describe('the verify plug-in', () => {
  it('refuses a key the provider does not declare, keeping zod’s unknown-key issue', () => {
    const result = verifyConfigSchema.safeParse({
      type: 'stripe',
      secret: 'whsec_a',
      tolerence: 60,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['tolerence'], path: [] }),
    ]);
  });

  it('names an unknown type and the known ones, and resolves an alias to its provider', () => {
    const unknown = verifyConfigSchema.safeParse({ type: 'nonsense' });
    expect(unknown.error?.issues[0]).toMatchObject({
      path: ['type'],
      message: expect.stringMatching(/^unknown verifier type "nonsense" \(known: none, token, /),
    });
    expect(verifyConfigSchema.parse({ type: 'svix', secret: 'whsec_c2VjcmV0' })).toMatchObject({
      type: 'standard-webhooks',
    });
  });

  it('gives the source defaults that follow from the provider', () => {
    expect(verifyPlugin.defaultsFor('stripe')).toEqual({ format: 'json', dedupeContent: false });
    expect(verifyPlugin.defaultsFor('github')).toEqual({ format: 'json', dedupeContent: true });
    expect(verifyPlugin.defaultsFor('cinetpay')).toEqual({ format: 'form', dedupeContent: true });
    expect(verifyPlugin.defaultsFor('svix')).toEqual({ format: 'json', dedupeContent: false });
  });
});
