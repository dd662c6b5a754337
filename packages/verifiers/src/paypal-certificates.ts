import { X509Certificate, type KeyObject } from 'node:crypto';
import { rootCertificates } from 'node:tls';

/** Fetches the PEM text at an (already allow-listed) URL. Injectable so tests never touch the network. */
export type CertificateFetcher = (url: string) => Promise<string>;

/** Hosts PayPal serves its webhook signing certificates from; any other PAYPAL-CERT-URL is refused unfetched. */
export const PAYPAL_CERT_HOSTS: ReadonlySet<string> = new Set([
  'api.paypal.com',
  'api-m.paypal.com',
  'api.sandbox.paypal.com',
  'api-m.sandbox.paypal.com',
]);

const CERT_PATH = '/v1/notifications/certs/';
const MAX_PEM_BYTES = 64 * 1024;
const MAX_CACHED = 32;
const MAX_CHAIN = 5;
// The subject rule of PayPal's own Java SDK (SSLUtil.validateCertificateChain): live or sandbox signing cert.
const SIGNER_SUBJECT = /^CN=messageverificationcerts(\.sandbox)?\.paypal\.com$/m;

/** The normalised URL when it is an https certificate URL on PayPal's hosts, otherwise undefined. */
export function paypalCertUrl(raw: string): string | undefined {
  if (!URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  const allowed =
    url.protocol === 'https:' &&
    PAYPAL_CERT_HOSTS.has(url.hostname) &&
    url.port === '' &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    url.pathname.startsWith(CERT_PATH);
  return allowed ? url.href : undefined;
}

/** Plain fetch: no redirects (they could leave PayPal's hosts), a timeout and a size cap. */
export const fetchCertificate: CertificateFetcher = async (url) => {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`certificate download answered ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_PEM_BYTES) throw new Error('certificate download is too large');
  return text;
};

function isCurrent(certificate: X509Certificate, nowMs: number): boolean {
  return Date.parse(certificate.validFrom) <= nowMs && nowMs <= Date.parse(certificate.validTo);
}

function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

export interface ValidatedCertificate {
  readonly key: KeyObject;
  /** When the whole chain (leaf, intermediates, root) is valid: the cache must not outlive any of them. */
  readonly validFromMs: number;
  readonly validToMs: number;
}

/** The signing key of a PEM bundle (leaf first), once its chain reaches a trusted root at `nowMs`. */
export function validateChain(
  pem: string,
  anchors: readonly X509Certificate[],
  nowMs: number,
): ValidatedCertificate {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const [leaf, ...intermediates] = blocks.map((block) => new X509Certificate(block));
  if (!leaf) throw new Error('no certificate at PAYPAL-CERT-URL');
  if (!SIGNER_SUBJECT.test(leaf.subject))
    throw new Error('certificate is not a PayPal message-verification certificate');
  let current = leaf;
  const chain: X509Certificate[] = [];
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    chain.push(current);
    if (!isCurrent(current, nowMs))
      throw new Error(`certificate ${current.subject.trim()} is not valid now`);
    const anchor = anchors.find((root) => issuedBy(current, root));
    if (anchor) {
      if (!isCurrent(anchor, nowMs)) throw new Error('trusted root is not valid now');
      chain.push(anchor);
      return {
        key: leaf.publicKey,
        validFromMs: Math.max(...chain.map((certificate) => Date.parse(certificate.validFrom))),
        validToMs: Math.min(...chain.map((certificate) => Date.parse(certificate.validTo))),
      };
    }
    const parent = intermediates.find(
      (candidate) => candidate !== current && candidate.ca && issuedBy(current, candidate),
    );
    if (!parent) throw new Error('certificate does not chain to a trusted root');
    current = parent;
  }
  throw new Error('certificate chain is too long');
}

/** Downloads, validates and caches PayPal signing certificates by URL; failures are not cached. */
export class PaypalCertificates {
  private readonly anchors: readonly X509Certificate[];
  private readonly cache = new Map<string, Promise<ValidatedCertificate>>();

  constructor(
    private readonly fetcher: CertificateFetcher = fetchCertificate,
    trustedRoots: readonly string[] = rootCertificates,
  ) {
    this.anchors = trustedRoots.map((pem) => new X509Certificate(pem));
  }

  /** The public key to check a transmission with; throws when the URL, the download or the chain is wrong. */
  async publicKey(url: string, nowMs: number): Promise<KeyObject> {
    let entry = this.cache.get(url);
    if (!entry) {
      entry = this.load(url, nowMs);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(url, entry);
      const pending = entry;
      pending.catch(() => {
        if (this.cache.get(url) === pending) this.cache.delete(url);
      });
    }
    const cached = await entry;
    if (nowMs < cached.validFromMs || nowMs > cached.validToMs) {
      this.cache.delete(url);
      throw new Error('cached PayPal certificate is not valid now');
    }
    return cached.key;
  }

  private async load(url: string, nowMs: number): Promise<ValidatedCertificate> {
    return validateChain(await this.fetcher(url), this.anchors, nowMs);
  }
}
