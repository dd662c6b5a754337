export * from './types.js';
export { defineProvider } from './define-provider.js';
export {
  PROVIDERS,
  providerFor,
  createVerifier,
  signRequest,
  type VerifyConfig,
} from './catalogue.js';
export { verifyConfigSchema, verifyPlugin } from './verify-config.js';
export {
  compileLocation,
  valueAt,
  isValidLocation,
  type EventContext,
  type FieldReader,
} from './event-locations.js';
export { parseBody, BodyParseError } from './parse-body.js';
export { safeEqual, safeEqualAny } from './timing-safe.js';
export { refuseUnsigned } from './unsigned.js';
export {
  PAYPAL_CERT_HOSTS,
  paypalCertUrl,
  type CertificateFetcher,
} from './paypal-certificates.js';
export {
  createPaypalVerifier,
  signPaypalTransmission,
  type PaypalConfig,
  type PaypalVerifierOptions,
} from './providers/paypal.js';
export { REDACTED_HEADERS, sampleEventTypes, sampleRequest } from './provider-material.js';
export { bodyHmacProvider, type BodyHmac, type BodyHmacScheme } from './body-hmac.js';
export { timestampedHmacProvider, type TimestampedHmacScheme } from './timestamped-hmac.js';
export {
  standardWebhooksSigner,
  type StandardWebhooksSigner,
} from './providers/standard-webhooks.js';
export { whsecKey, whsecSecret } from '@hookrelay/units';
