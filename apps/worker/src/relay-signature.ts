import { createHmac } from 'node:crypto';

/** Standard Webhooks signer for deliveries, over the exact bytes sent (whsec_ secrets are base64 keys). */
export function relaySigner(
  secret: string,
): (id: string, timestampSeconds: number, body: Buffer) => string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return (id, timestampSeconds, body) => {
    const mac = createHmac('sha256', key)
      .update(`${id}.${timestampSeconds}.`)
      .update(body)
      .digest('base64');
    return `v1,${mac}`;
  };
}

export type RelaySigner = ReturnType<typeof relaySigner>;
