import { createConnection } from 'node:net';

/** A RESP2 reply: simple and bulk strings, integers, nil, arrays of those. Errors reject. */
export type RedisReply = string | number | null | RedisReply[];

/** The reply parsed from `buffer` at `offset` and where it ends, or undefined while incomplete. */
function parseReply(
  buffer: Buffer,
  offset: number,
): { reply: RedisReply | Error; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buffer[offset]) {
    case 0x2b: // +
      return { reply: line, end: next };
    case 0x2d: // -
      return { reply: new Error(line), end: next };
    case 0x3a: // :
      return { reply: Number(line), end: next };
    case 0x24: {
      // $
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case 0x2a: {
      // *
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: RedisReply[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, end);
        if (!item) return undefined;
        if (item.reply instanceof Error) return item;
        items.push(item.reply);
        end = item.end;
      }
      return { reply: items, end };
    }
    default:
      return { reply: new Error(`unexpected reply: ${line}`), end: next };
  }
}

/**
 * One command to the redis-server (or sentinel) on `port`, on a connection of its own. For the test
 * topologies, which must ask nodes things while some of them are dead or frozen: a frozen node
 * accepts the connection and never answers, so every call has a deadline.
 */
export function redisCommand(
  port: number,
  args: readonly (string | number)[],
  timeoutMs = 2_000,
): Promise<RedisReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let received = Buffer.alloc(0);
    const done = (error: Error | undefined, reply?: RedisReply) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? null);
    };
    socket.setTimeout(timeoutMs, () =>
      done(new Error(`127.0.0.1:${port} did not answer ${String(args[0])} within ${timeoutMs} ms`)),
    );
    socket.once('error', (error) => done(error));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const parsed = parseReply(received, 0);
      if (!parsed) return;
      if (parsed.reply instanceof Error) done(parsed.reply);
      else done(undefined, parsed.reply);
    });
    const parts = args.map(String);
    socket.write(
      `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`,
    );
  });
}

/** `field:value` lines (INFO, CLUSTER INFO) as a map; `# Section` headers skipped. */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** INFO `section` as a field → value map (`role`, `master_link_status`…). */
export async function redisInfo(port: number, section: string): Promise<Map<string, string>> {
  return infoFields(String(await redisCommand(port, ['INFO', section])));
}
