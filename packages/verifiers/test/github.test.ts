import { createRequire } from 'node:module';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { describe, expect, it } from 'vitest';
import { signRequest, verifyConfigSchema } from '../src/index.js';
import { describeProviderContract } from './contract.js';
import { incoming, NOW_MS, verdictOf } from './helpers.js';

// The package is CommonJS JSON whose typings claim an ES default export, so it is loaded as what it is.
const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples',
) as WebhookDefinition[];

describeProviderContract({
  type: 'github',
  signedBy: '@octokit/webhooks-methods',
  providerSign: async (secret, body) => ({
    'x-hub-signature-256': await octokitSign(secret, body),
  }),
  example: {
    body: JSON.stringify({ action: 'opened', number: 1, zen: 'Keep it logically awesome.' }),
    headers: {
      'x-github-event': 'pull_request',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    },
    id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    type: 'pull_request',
  },
});

describe('github verifier against GitHub material', () => {
  const secret = "It's a Secret to Everybody";

  it("accepts GitHub's documented test vector", async () => {
    const request = incoming('Hello, World!', {
      'x-hub-signature-256':
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
    expect(await verdictOf({ type: 'github', secret }, request)).toMatchObject({ ok: true });
  });

  it("signs GitHub's documented test vector identically", () => {
    const headers = signRequest(
      verifyConfigSchema.parse({ type: 'github', secret }),
      Buffer.from('Hello, World!'),
      {
        nowMs: NOW_MS,
        url: 'https://relay.example.com/',
      },
    );
    expect(headers['x-hub-signature-256']).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('produces signatures @octokit/webhooks-methods accepts', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.' });
    const headers = signRequest(
      verifyConfigSchema.parse({ type: 'github', secret }),
      Buffer.from(body),
      {
        nowMs: NOW_MS,
        url: 'https://relay.example.com/',
      },
    );
    expect(await octokitVerify(secret, body, headers['x-hub-signature-256']!)).toBe(true);
  });

  it('accepts every real payload of @octokit/webhooks-examples, byte for byte', async () => {
    const payloads = examples.flatMap((definition) =>
      definition.examples.map((example) => JSON.stringify(example, null, 2)),
    );
    expect(payloads.length).toBeGreaterThan(100);
    for (const body of payloads) {
      const request = incoming(body, { 'x-hub-signature-256': await octokitSign(secret, body) });
      expect(await verdictOf({ type: 'github', secret }, request)).toMatchObject({ ok: true });
    }
  });

  it('ignores the legacy SHA-1 header on its own', async () => {
    const request = incoming('Hello, World!', {
      'x-hub-signature': 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59',
    });
    expect(await verdictOf({ type: 'github', secret }, request)).toMatchObject({
      ok: false,
      code: 'signature_missing',
    });
  });
});
