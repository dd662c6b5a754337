import { describe, expect, it } from 'vitest';
import { crossOriginReason } from '../src/same-origin.js';

const HOST = { host: '127.0.0.1:3001' };

describe('the cross-origin rule for state-changing requests', () => {
  it('lets GET, HEAD and OPTIONS through from anywhere', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) {
      expect(
        crossOriginReason(method, {
          ...HOST,
          origin: 'http://evil.example',
          'sec-fetch-site': 'cross-site',
        }),
      ).toBeUndefined();
    }
  });

  it("lets a write through from the dashboard's own origin, or from a client that names none", () => {
    for (const headers of [
      HOST,
      { ...HOST, origin: 'http://127.0.0.1:3001' },
      { ...HOST, origin: 'http://127.0.0.1:3001', 'sec-fetch-site': 'same-origin' },
      { ...HOST, 'sec-fetch-site': 'none' },
      { host: 'ops.example.com', origin: 'https://ops.example.com' },
      { host: 'ops.example.com:443', origin: 'https://ops.example.com' },
      { host: 'OPS.example.com', origin: 'http://ops.example.com:80' },
    ]) {
      expect(crossOriginReason('POST', headers), JSON.stringify(headers)).toBeUndefined();
    }
  });

  it('refuses a write from another origin, another port of the same host, or an opaque origin', () => {
    for (const [headers, reason] of [
      [{ ...HOST, origin: 'http://evil.example' }, 'Origin: http://evil.example'],
      [{ ...HOST, origin: 'http://127.0.0.1:8080' }, 'Origin: http://127.0.0.1:8080'],
      [{ ...HOST, origin: 'http://127.0.0.1' }, 'Origin: http://127.0.0.1'],
      [{ ...HOST, origin: 'null' }, 'Origin: null'],
      [{ ...HOST, origin: 'not a url' }, 'Origin: not a url'],
      [{ origin: 'http://127.0.0.1:3001' }, 'Origin: http://127.0.0.1:3001'],
      [{ ...HOST, 'sec-fetch-site': 'cross-site' }, 'Sec-Fetch-Site: cross-site'],
      [{ ...HOST, 'sec-fetch-site': 'same-site' }, 'Sec-Fetch-Site: same-site'],
      [
        { ...HOST, origin: 'http://127.0.0.1:3001', 'sec-fetch-site': 'cross-site' },
        'Sec-Fetch-Site: cross-site',
      ],
    ] as const) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        expect(crossOriginReason(method, headers)).toBe(reason);
      }
    }
  });
});
