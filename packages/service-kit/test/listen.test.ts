import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@hookrelay/logger';
import { cannotListenMessage, listenOrExit, type ListenOptions } from '../src/listen.js';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean))
      lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ app: 'test', stream }), lines };
}

const options = (host = '127.0.0.1', port = 3000): ListenOptions => ({
  port,
  host,
  portSetting: 'PORT or ingress.port',
  hostSetting: 'ingress.host',
  logger: capture().logger,
});

describe('the line an app exits with when it cannot listen', () => {
  it('names the address and the port setting when the port is taken or privileged', () => {
    expect(cannotListenMessage(errno('EADDRINUSE'), options())).toBe(
      'cannot listen on 127.0.0.1:3000: address already in use; set PORT or ingress.port',
    );
    expect(cannotListenMessage(errno('EACCES'), options('0.0.0.0', 80))).toBe(
      'cannot listen on 0.0.0.0:80: permission denied; set PORT or ingress.port',
    );
  });

  it('names the host setting when the address is not this machine’s', () => {
    expect(cannotListenMessage(errno('EADDRNOTAVAIL'), options('10.9.9.9'))).toBe(
      'cannot listen on 10.9.9.9:3000: address not available on this machine; set ingress.host',
    );
    expect(cannotListenMessage(errno('ENOTFOUND'), options('nowhere.invalid'))).toBe(
      'cannot listen on nowhere.invalid:3000: no such host; set ingress.host',
    );
  });

  it('brackets an IPv6 address and falls back on the error message for other codes', () => {
    expect(cannotListenMessage(errno('EWHATEVER', 'odd failure'), options('::1'))).toBe(
      'cannot listen on [::1]:3000: odd failure; set PORT or ingress.port',
    );
  });
});

describe('listenOrExit on a free port', () => {
  it('resolves with the bound address and logs it in its listening line', async () => {
    const { logger, lines } = capture();
    const server = createServer();
    const address = await listenOrExit(server, {
      ...options('127.0.0.1', 0),
      logger,
      details: { sources: ['/webhooks/a'] },
    });
    await new Promise((resolve) => server.close(resolve));
    expect(address.address).toBe('127.0.0.1');
    expect(address.port).toBeGreaterThan(0);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'listening',
        host: '127.0.0.1',
        port: address.port,
        sources: ['/webhooks/a'],
      }),
    ]);
  });
});
