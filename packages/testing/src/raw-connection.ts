import { connect, type Socket } from 'node:net';

export interface RawConnection {
  readonly socket: Socket;
  /** Everything the server has sent so far. */
  received(): string;
  isClosed(): boolean;
  /** Settles once the connection is closed (by either side), with its age then and what was received. */
  readonly closed: Promise<{ readonly afterMs: number; readonly received: string }>;
  /** Writes `data` one byte every `everyMs` until it is all sent or the connection closes. */
  trickle(data: string | Buffer, everyMs: number): void;
}

/**
 * A raw TCP connection to a loopback HTTP server, for requests no HTTP client will send: partial
 * headers, bodies that never finish. Resolves once connected; socket errors (resets) only close it.
 */
export function openRawConnection(port: number, host = '127.0.0.1'): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const openedAt = performance.now();
    const chunks: Buffer[] = [];
    let closedFlag = false;
    let trickleTimer: NodeJS.Timeout | undefined;
    const received = () => Buffer.concat(chunks).toString('latin1');
    const closed = new Promise<{ afterMs: number; received: string }>((settle) => {
      socket.once('close', () => {
        closedFlag = true;
        clearInterval(trickleTimer);
        settle({ afterMs: performance.now() - openedAt, received: received() });
      });
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve({
        socket,
        received,
        isClosed: () => closedFlag,
        closed,
        trickle(data, everyMs) {
          const bytes = Buffer.from(data);
          let sent = 0;
          clearInterval(trickleTimer);
          trickleTimer = setInterval(() => {
            if (sent >= bytes.length || socket.destroyed) return clearInterval(trickleTimer);
            socket.write(bytes.subarray(sent, ++sent));
          }, everyMs);
        },
      });
    });
  });
}
