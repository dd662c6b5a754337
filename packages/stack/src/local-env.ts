import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const GENERATED: Record<string, () => string> = {
  STRIPE_WEBHOOK_SECRET: () => `whsec_${randomBytes(24).toString('base64')}`,
  PAYMENT_WEBHOOK_SECRET: () => randomBytes(24).toString('hex'),
  NOTIFY_TOKEN: () => randomBytes(16).toString('hex'),
  RELAY_SIGNING_SECRET: () => `whsec_${randomBytes(24).toString('base64')}`,
  DASHBOARD_PASSWORD: () => randomBytes(12).toString('base64url'),
};

/**
 * First run only: writes `.env` from `.env.example` with fresh random secrets, so the shipped
 * sources work locally at once. Returns the names it generated (empty when .env already existed).
 */
export function ensureLocalEnv(envPath: string, examplePath: string): string[] {
  if (existsSync(envPath) || !existsSync(examplePath)) return [];
  const generated: string[] = [];
  const lines = readFileSync(examplePath, 'utf8')
    .split('\n')
    .map((line) => {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      const make = match && GENERATED[match[1]!];
      if (!make) return line;
      generated.push(match[1]!);
      return `${match[1]}=${make()}`;
    });
  writeFileSync(envPath, lines.join('\n'), { mode: 0o600 });
  return generated;
}
