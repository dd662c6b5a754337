/**
 * The backend deliveries go to, as its own process (forked by kit/backend.ts): a plain node:http
 * server on a free port of 127.0.0.1 answering 200 `{}` to every request, keep-alive 60 s. It
 * notes when each delivery first arrived (epoch ms), keyed by path and the Stripe event id read from
 * the JSON body (workers forward the provider's body as received), and counts every request.
 * IPC: sends {type:'listening', port}; takes {type:'expect', count} (answers {type:'reached'} once
 * that many distinct deliveries arrived), {type:'report', times} and {type:'reset'}.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackendCommand, BackendMessage } from './backend-protocol.js';

/** Path and event id → when it first arrived. */
let firstArrival = new Map<string, number>();
let requests = 0;
let unreadable = 0;
let firstAt = 0;
let lastAt = 0;
let expected = Infinity;

const send = (message: BackendMessage) => process.send?.(message);

function arrived(key: string, at: number): void {
  requests += 1;
  if (firstArrival.has(key)) return;
  firstArrival.set(key, at);
  firstAt ||= at;
  lastAt = at;
  if (firstArrival.size === expected)
    send({ type: 'reached', distinct: firstArrival.size, lastAt });
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    let id: unknown;
    try {
      id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown }).id;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'string') unreadable += 1;
    arrived(`${request.url} ${String(id)}`, at);
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    response.end('{}');
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (command: BackendCommand) => {
  switch (command.type) {
    case 'expect':
      expected = command.count;
      if (firstArrival.size >= expected)
        send({ type: 'reached', distinct: firstArrival.size, lastAt });
      break;
    case 'report':
      send({
        type: 'report',
        report: {
          requests,
          distinct: firstArrival.size,
          unreadable,
          firstAt,
          lastAt,
          arrivals: command.times ? [...firstArrival] : undefined,
        },
      });
      break;
    case 'reset':
      firstArrival = new Map();
      requests = unreadable = firstAt = lastAt = 0;
      expected = Infinity;
      send({ type: 'reset' });
      break;
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () =>
  send({ type: 'listening', port: (server.address() as AddressInfo).port }),
);
