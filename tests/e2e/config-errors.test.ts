import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const app = (name: string) =>
  fileURLToPath(new URL(`../../apps/${name}/dist/index.js`, import.meta.url));
const SECRET = 'whsec_do_not_print_me_7f3a';
const dir = mkdtempSync(join(tmpdir(), 'hookrelay-config-'));

describe('an app started with an invalid config', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['ingress', 'worker', 'demo-backend'])(
    '%s exits 1 naming each bad path and printing no secret',
    (name) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        `sources:
  stripe:
    verify: { type: stripe, secret: \${STRIPE_WEBHOOK_SECRET} }
    destination: { url: nowhere }
  payment:
    verify: { type: hmac, header: x-signature, secret: \${PAYMENT_SECRET}, encoding: base32 }
    destination: { url: "http://127.0.0.1:4000" }
  github:
    verify: { type: github, secret: "\${GITHUB_SECRET}" }
    destination: { url: "http://127.0.0.1:4000" }
`,
      );
      const result = spawnSync(process.execPath, [app(name)], {
        env: {
          ...process.env,
          HOOKRELAY_CONFIG: file,
          PAYMENT_SECRET: SECRET,
          STRIPE_WEBHOOK_SECRET: '',
          GITHUB_SECRET: '   ',
        },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status).toBe(1);
      const output = `${result.stdout}${result.stderr}`;
      expect(output).toContain('sources.stripe.verify.secret: required');
      expect(output).toContain('sources.stripe.destination.url:');
      expect(output).toContain('sources.payment.verify.encoding:');
      expect(output).toContain('sources.github.verify.secret: blank: only whitespace');
      expect(output).not.toContain(SECRET);
    },
  );

  it('names the file it was given and the line of a YAML mistake, without quoting the file', () => {
    const file = join(dir, 'other.yaml');
    writeFileSync(file, `sources:\n  a:\n    verify: { type: hmac, secret: ${SECRET} }}\n`);
    const result = spawnSync(process.execPath, [app('ingress')], {
      env: { ...process.env, HOOKRELAY_CONFIG: file },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `${file}:3: not valid YAML (Unexpected flow-map-end token in YAML stream)\n`,
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
  });
});
