import { standardWebhooksSigner, type StandardWebhooksSigner } from '@hookrelay/verifiers';

/**
 * Signs deliveries with `signing.secret` (`whsec_<base64>`) over the exact bytes sent: the Standard
 * Webhooks signer of @hookrelay/verifiers, the one its `standard-webhooks` provider signs with.
 */
export const relaySigner: (secret: string) => StandardWebhooksSigner = standardWebhooksSigner;

export type RelaySigner = StandardWebhooksSigner;
