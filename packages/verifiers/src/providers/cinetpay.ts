import { z } from 'zod';
import { secretList } from '@hookrelay/units';
import { defineProvider } from '../define-provider.js';
import { formSample, hex, secretTestConfig } from '../sample.js';
import { headerValue, hmac, matchOf } from '../timing-safe.js';
import { reject, signatureVerdict } from '../types.js';

const HEADER = 'x-token';

/** The form fields CinetPay concatenates, in its order (docs.cinetpay.com, "X-TOKEN HMAC"). */
export const CINETPAY_SIGNED_FIELDS = [
  'cpm_site_id',
  'cpm_trans_id',
  'cpm_trans_date',
  'cpm_amount',
  'cpm_currency',
  'signature',
  'payment_method',
  'cel_phone_num',
  'cpm_phone_prefixe',
  'cpm_language',
  'cpm_version',
  'cpm_payment_config',
  'cpm_page_action',
  'cpm_custom',
  'cpm_designation',
  'cpm_error_message',
] as const;

/** The string CinetPay signs: the decoded form values run together; an absent field counts as empty, as in PHP. */
export function cinetpaySignedString(body: Buffer): string {
  const form = new URLSearchParams(body.toString('utf8'));
  return CINETPAY_SIGNED_FIELDS.map((field) => form.get(field) ?? '').join('');
}

function tokenOf(secret: string, body: Buffer): string {
  return hmac('sha256', secret, cinetpaySignedString(body)).toString('hex');
}

/**
 * CinetPay: a form-urlencoded IPN whose `x-token` header is the hex HMAC-SHA256 of selected form fields,
 * keyed with the merchant's secret key. Only those fields are covered: the others are not authenticated.
 */
export const cinetpay = defineProvider({
  type: 'cinetpay',
  schema: z.object({ type: z.literal('cinetpay'), secret: secretList }),
  create: ({ secret }) => ({
    forwardHeaders: [HEADER],
    signatureHeaders: [HEADER],
    verify(request) {
      const presented = headerValue(request.headers[HEADER]);
      if (!presented) return reject('signature_missing', 'missing x-token header');
      const expected = secret.map((key) => tokenOf(key, request.body));
      return signatureVerdict(
        matchOf([presented.trim().toLowerCase()], expected),
        'x-token does not match the notified fields',
      );
    },
  }),
  sign: ({ secret }, body) => ({ [HEADER]: tokenOf(secret[0]!, body) }),
  event: { id: 'body.cpm_trans_id' },
  replayGuard: 'content',
  bodyFormat: 'form',
  redactHeaders: [HEADER],
  // CinetPay's notifications name no event type.
  sample: {
    build: (_type, now) =>
      formSample({
        cpm_site_id: '445160',
        cpm_trans_id: `CP${hex(6).toUpperCase()}`,
        cpm_trans_date: now.toISOString().slice(0, 19).replace('T', ' '),
        cpm_amount: '15000',
        cpm_currency: 'XOF',
        signature: hex(16),
        payment_method: 'OM',
        cel_phone_num: '0707000000',
        cpm_phone_prefixe: '225',
        cpm_language: 'fr',
        cpm_version: 'V4',
        cpm_payment_config: 'SINGLE',
        cpm_page_action: 'PAYMENT',
        cpm_custom: 'order-1042',
        cpm_designation: 'Commande 1042',
        cpm_error_message: 'SUCCES',
      }),
  },
  testConfig: secretTestConfig(
    'cinetpay',
    ['cinetpay-previous-secret-key', 'cinetpay-current-secret-key'],
    'cinetpay-wrong-secret-key',
  ),
});
