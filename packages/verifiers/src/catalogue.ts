import type { ProviderDefinition, Verifier } from './types.js';
import { basic } from './providers/basic.js';
import { cinetpay } from './providers/cinetpay.js';
import { fedapay } from './providers/fedapay.js';
import { flutterwave } from './providers/flutterwave.js';
import { github } from './providers/github.js';
import { hmac } from './providers/hmac.js';
import { none } from './providers/none.js';
import { paypal } from './providers/paypal.js';
import { paystack } from './providers/paystack.js';
import { shopify } from './providers/shopify.js';
import { standardWebhooks } from './providers/standard-webhooks.js';
import { stripe } from './providers/stripe.js';
import { token } from './providers/token.js';
import { twilio } from './providers/twilio.js';
import { wave } from './providers/wave.js';

/** Every `verify.type` hookrelay knows. A new provider is one file in providers/ and one line here. */
export const PROVIDERS: readonly ProviderDefinition[] = [
  none,
  token,
  basic,
  hmac,
  stripe,
  standardWebhooks,
  github,
  shopify,
  paystack,
  flutterwave,
  wave,
  fedapay,
  cinetpay,
  paypal,
  twilio,
] as unknown as ProviderDefinition[];

const byType = new Map<string, ProviderDefinition>();
for (const provider of PROVIDERS) {
  byType.set(provider.type, provider);
  for (const alias of provider.aliases ?? []) byType.set(alias, provider);
}

export function providerFor(type: string): ProviderDefinition {
  const provider = byType.get(type);
  if (!provider) throw new Error(`unknown verifier type "${type}"`);
  return provider;
}

export type VerifyConfig = { type: string } & Record<string, unknown>;

export function createVerifier(config: VerifyConfig): Verifier {
  return providerFor(config.type).create(config);
}

/** Headers a genuine request from this provider would carry for `body` (tests and `hookrelay send`). */
export function signRequest(
  config: VerifyConfig,
  body: Buffer,
  options: { nowMs?: number; url: string },
): Record<string, string> {
  const provider = providerFor(config.type);
  if (!provider.sign) throw new Error(`verify type "${config.type}" cannot sign requests`);
  return provider.sign(config, body, { nowMs: options.nowMs ?? Date.now(), url: options.url });
}
