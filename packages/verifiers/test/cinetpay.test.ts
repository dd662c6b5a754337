import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseBody } from '../src/index.js';
import { describeProviderContract } from './contract.js';
import { incoming, verdictOf } from './helpers.js';

// A notification as CinetPay posts it (form-urlencoded); `+` and %-escapes are decoded before signing, as PHP's $_POST does.
const FORM = new URLSearchParams({
  cpm_site_id: '445160',
  cpm_trans_id: 'CMD-2026-000123',
  cpm_trans_date: '2026-01-15 12:00:00',
  cpm_amount: '1000',
  cpm_currency: 'XOF',
  signature: 'b7f1e0c2a9',
  payment_method: 'OM',
  cel_phone_num: '0707070707',
  cpm_phone_prefixe: '225',
  cpm_language: 'fr',
  cpm_version: 'V4',
  cpm_payment_config: 'SINGLE',
  cpm_page_action: 'PAYMENT',
  cpm_custom: '',
  cpm_designation: 'Commande n°123',
  cpm_error_message: 'SUCCES',
}).toString();

/** The token exactly as CinetPay's documentation builds it (PHP: hash_hmac('SHA256', $data, $secretKey)). */
function cinetpayToken(secret: string, body: string): string {
  const form = new URLSearchParams(body);
  const field = (name: string) => form.get(name) ?? '';
  const data =
    field('cpm_site_id') +
    field('cpm_trans_id') +
    field('cpm_trans_date') +
    field('cpm_amount') +
    field('cpm_currency') +
    field('signature') +
    field('payment_method') +
    field('cel_phone_num') +
    field('cpm_phone_prefixe') +
    field('cpm_language') +
    field('cpm_version') +
    field('cpm_payment_config') +
    field('cpm_page_action') +
    field('cpm_custom') +
    field('cpm_designation') +
    field('cpm_error_message');
  return createHmac('sha256', secret).update(data).digest('hex');
}

describeProviderContract({
  type: 'cinetpay',
  signedBy: "CinetPay's documented algorithm (hex HMAC-SHA256 of the listed fields, concatenated)",
  providerSign: (secret, body) => ({ 'x-token': cinetpayToken(secret, body) }),
  example: { body: FORM, id: 'CMD-2026-000123' },
  tamper: (body) => body.replace('cpm_amount=1000', 'cpm_amount=100000'),
});

describe('cinetpay verifier', () => {
  const config = { type: 'cinetpay', secret: 'new-cinetpay-secret-key' };

  it('accepts a notification whose optional fields are absent, counting them as empty', async () => {
    const body = 'cpm_site_id=445160&cpm_trans_id=T1&cpm_amount=500&cpm_currency=XOF';
    const request = incoming(body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-token': cinetpayToken(config.secret, body),
    });
    expect(await verdictOf(config, request)).toMatchObject({ ok: true });
  });

  it('rejects a notification whose transaction id was changed', async () => {
    const request = incoming(FORM.replace('CMD-2026-000123', 'CMD-2026-999999'), {
      'x-token': cinetpayToken(config.secret, FORM),
    });
    expect(await verdictOf(config, request)).toMatchObject({ code: 'signature_invalid' });
  });

  it('leaves the decoded form readable after verification, for envelopes', () => {
    expect(parseBody(Buffer.from(FORM), 'form')).toMatchObject({
      cpm_trans_id: 'CMD-2026-000123',
      cpm_designation: 'Commande n°123',
    });
  });
});
