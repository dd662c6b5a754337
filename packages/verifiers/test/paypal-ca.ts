import 'reflect-metadata';
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * A throwaway PKI shaped like PayPal's: a root, an intermediate, and a message-verification leaf.
 * Everything is generated in memory, so tests need neither the network nor openssl.
 */
const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const DAY = 86_400_000;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = Awaited<ReturnType<typeof generateKeys>>;

function generateKeys() {
  return webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']) as Promise<{
    publicKey: webcrypto.CryptoKey;
    privateKey: webcrypto.CryptoKey;
  }>;
}

const caExtensions = async (keys: KeyPair) => [
  new x509.BasicConstraintsExtension(true, 1, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
];

export interface IssuedCertificate {
  readonly pem: string;
  readonly privateKey: KeyObject;
}

export interface TestPki {
  readonly rootPem: string;
  /** Issues a leaf under the intermediate; the PEM returned is the bundle PayPal serves (leaf, then intermediate). */
  issueLeaf(options?: {
    subject?: string;
    notBefore?: number;
    notAfter?: number;
    issuerIsCa?: boolean;
  }): Promise<IssuedCertificate>;
  /** A self-signed certificate in PayPal's name: what a forger can make. */
  selfSigned(subject?: string): Promise<IssuedCertificate>;
}

async function toKeyObject(key: webcrypto.CryptoKey): Promise<KeyObject> {
  return createPrivateKey({
    key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)),
    format: 'der',
    type: 'pkcs8',
  });
}

export async function createTestPki(nowMs: number): Promise<TestPki> {
  const [rootKeys, intermediateKeys] = await Promise.all([generateKeys(), generateKeys()]);
  const validity = { notBefore: new Date(nowMs - DAY), notAfter: new Date(nowMs + 365 * DAY) };
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Hookrelay Test Root CA',
    keys: rootKeys as never,
    signingAlgorithm: RSA,
    extensions: await caExtensions(rootKeys),
    ...validity,
  });
  const intermediate = await x509.X509CertificateGenerator.create({
    subject: 'CN=Hookrelay Test Intermediate CA',
    issuer: root.subject,
    publicKey: intermediateKeys.publicKey as never,
    signingKey: rootKeys.privateKey as never,
    signingAlgorithm: RSA,
    extensions: await caExtensions(intermediateKeys),
    ...validity,
  });
  const subject = 'CN=messageverificationcerts.paypal.com';

  return {
    rootPem: root.toString('pem'),
    async issueLeaf(options = {}) {
      const keys = await generateKeys();
      // An issuer without the CA flag: a leaf trying to act as an intermediate.
      const issuer =
        options.issuerIsCa === false
          ? await x509.X509CertificateGenerator.create({
              subject: 'CN=Not A CA',
              issuer: root.subject,
              publicKey: intermediateKeys.publicKey as never,
              signingKey: rootKeys.privateKey as never,
              signingAlgorithm: RSA,
              ...validity,
              extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
            })
          : intermediate;
      const leaf = await x509.X509CertificateGenerator.create({
        subject: options.subject ?? subject,
        issuer: issuer.subject,
        publicKey: keys.publicKey as never,
        signingKey: intermediateKeys.privateKey as never,
        signingAlgorithm: RSA,
        notBefore: new Date(options.notBefore ?? nowMs - DAY),
        notAfter: new Date(options.notAfter ?? nowMs + 30 * DAY),
        extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
      });
      return {
        pem: `${leaf.toString('pem')}\n${issuer.toString('pem')}\n`,
        privateKey: await toKeyObject(keys.privateKey),
      };
    },
    async selfSigned(name = subject) {
      const keys = await generateKeys();
      const certificate = await x509.X509CertificateGenerator.createSelfSigned({
        name,
        keys: keys as never,
        signingAlgorithm: RSA,
        ...validity,
      });
      return { pem: certificate.toString('pem'), privateKey: await toKeyObject(keys.privateKey) };
    },
  };
}
