import helmet from 'helmet';

/**
 * Helmet's headers on every answer (pages, API, 401s): nosniff, no framing (X-Frame-Options: DENY
 * and frame-ancestors 'none', against clickjacking the Retry buttons), no referrer, a CSP.
 * The CSP is helmet's default adjusted to what Bull Board's page needs: its scripts are files under
 * /static (its inline `<script type="application/json">` is data, not run), but it styles with
 * inline `<style>`/style attributes. Nothing comes from another origin: the page's Google Fonts
 * link is dropped (serveSelfContained), so fonts are 'self' or data: only.
 * Not upgrade-insecure-requests nor HSTS: the dashboard serves plain HTTP on loopback by default,
 * and TLS belongs to the proxy in front of it, which decides on HSTS.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
      },
    },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
  });
}
