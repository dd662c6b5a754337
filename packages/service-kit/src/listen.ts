import type { AddressInfo, Server } from 'node:net';
import type { Logger } from '@hookrelay/logger';

export interface ListenOptions {
  readonly port: number;
  readonly host: string;
  /** What changes the port, as the error line names it: `PORT or ingress.port`. */
  readonly portSetting: string;
  /** What changes the host, named when the address itself is refused: `ingress.host`. */
  readonly hostSetting: string;
  readonly logger: Logger;
  /** More fields for the `listening` line. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * What an app tells `npm start` over its IPC channel (docs/contract.md §2: the banner waits for
 * every app's own confirmation, so a foreign program on the port can never pass for the app).
 * Only when the launcher asks, with this argument: other parents with an IPC channel (process
 * managers, test runners) get nothing.
 */
export const LAUNCHER_FLAG = '--report-to-launcher';

export type ListenReport =
  | { readonly type: 'hookrelay:listening'; readonly host: string; readonly port: number }
  | { readonly type: 'hookrelay:cannot-listen'; readonly message: string };

const WHY: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'no such host',
};
const HOST_PROBLEMS = new Set(['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

const hostPort = (host: string, port: number) =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** `cannot listen on 127.0.0.1:3000: address already in use; set PORT or ingress.port`. */
export function cannotListenMessage(error: NodeJS.ErrnoException, options: ListenOptions): string {
  const code = error.code ?? '';
  const why = WHY[code] ?? error.message;
  const setting = HOST_PROBLEMS.has(code) ? options.hostSetting : options.portSetting;
  return `cannot listen on ${hostPort(options.host, options.port)}: ${why}; set ${setting}`;
}

const launched = () => process.argv.includes(LAUNCHER_FLAG) && process.send !== undefined;

function report(message: ListenReport, then: () => void): void {
  if (!launched() || !process.send) return then();
  // Exit only once the message has left, or npm start would see a bare exit code.
  process.send(message, undefined, {}, () => then());
}

/**
 * Listens, then logs `listening` with the address actually bound. Before that, any server error
 * (the port taken, a privileged port, a host not on this machine) logs one line naming the setting
 * that changes it and exits 1 (docs/contract.md §2); after it, an error is a failed accept (out of
 * file descriptors…): logged, and the server keeps serving.
 */
export function listenOrExit(server: Server, options: ListenOptions): Promise<AddressInfo> {
  const { logger } = options;
  return new Promise((resolve) => {
    const cannotListen = (error: NodeJS.ErrnoException) => {
      const message = cannotListenMessage(error, options);
      logger.error(message, { host: options.host, port: options.port, code: error.code });
      report({ type: 'hookrelay:cannot-listen', message }, () => process.exit(1));
    };
    server.once('error', cannotListen);
    server.listen(options.port, options.host, () => {
      server.off('error', cannotListen);
      server.on('error', (error) => logger.warn('server error', { reason: error.message }));
      const address = server.address() as AddressInfo;
      logger.info('listening', { host: address.address, port: address.port, ...options.details });
      // Started by npm start: should the launcher die without stopping us, stop as on Ctrl-C
      // rather than linger holding the port.
      if (launched()) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
      report({ type: 'hookrelay:listening', host: address.address, port: address.port }, () =>
        resolve(address),
      );
    });
  });
}
