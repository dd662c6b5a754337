import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { waitFor } from '@hookrelay/testing';
import { valueOf } from '../e2e/prometheus-text.js';
import {
  signedHeaders,
  type AppProcess,
  type Check,
  type FaultRig,
  type Sender,
} from './fault-rig.js';

/*
 * What the spool scenarios (spool-redis-outage.ts, spool-ingress-restart.ts) and
 * tests/e2e/spool.test.ts read of the ingress's local spool (docs/spool.md): its metrics, its
 * `spool drained` lines, its /readyz, and its segment files on disk.
 */

/** The ingress's spool counters and gauges, from its /metrics. */
export interface SpoolCounts {
  readonly spooled: number;
  readonly drained: number;
  readonly duplicate: number;
  readonly corrupt: number;
  /** Records in the spool now, and its bytes on disk. */
  readonly events: number;
  readonly bytes: number;
}

export async function spoolCounts(rig: FaultRig): Promise<SpoolCounts> {
  const samples = await rig.ingressMetrics();
  const records = (outcome: string) =>
    valueOf(samples, 'hookrelay_spool_records_total', { outcome });
  return {
    spooled: records('spooled'),
    drained: records('drained'),
    duplicate: records('duplicate'),
    corrupt: records('corrupt'),
    events: valueOf(samples, 'hookrelay_spool_events'),
    bytes: valueOf(samples, 'hookrelay_spool_bytes'),
  };
}

/** One `spool drained` line: a backlog fully drained, with the ingress's own count and timing. */
export interface DrainedLine {
  readonly at: number;
  readonly drained: number;
  readonly duplicates: number;
  readonly ms: number;
  readonly perSecond?: number;
}

export function drainedLines(run: AppProcess): DrainedLine[] {
  return run
    .lines()
    .filter((line) => line.includes('"spool drained"'))
    .map((line) => {
      const { timestamp, ...fields } = JSON.parse(line) as Omit<DrainedLine, 'at'> & {
        timestamp: string;
      };
      return { ...fields, at: Date.parse(timestamp) };
    });
}

/** The rig's ingress's first `spool drained` line logged at or after `after`. */
export function drainedAfter(
  rig: FaultRig,
  after: number,
  timeoutMs: number,
): Promise<DrainedLine> {
  return waitFor(() => drainedLines(rig.ingress).find((line) => line.at >= after), {
    timeoutMs,
    intervalMs: 50,
    what: '`spool drained` in the ingress log',
  });
}

/** The ingress's /readyz: its status code and body. */
export async function readiness(
  rig: FaultRig,
): Promise<{ readonly code: number; readonly status?: string; readonly reason?: string }> {
  const answer = await fetch(`${rig.ingressUrl}/readyz`);
  return {
    code: answer.status,
    ...((await answer.json()) as { status?: string; reason?: string }),
  };
}

/** With the spool on and room in it, no request is refused: every one is answered 202. */
export function all202Check(sender: Sender): Check {
  const others = new Map<string, number>();
  let accepted = 0;
  for (const attempt of sender.attempts()) {
    if (attempt.status === 202) accepted += 1;
    else others.set(String(attempt.status), (others.get(String(attempt.status)) ?? 0) + 1);
  }
  const listed = [...others].map(([status, n]) => `${n} × ${status}`).join(', ');
  return {
    name: 'every request answered 202',
    ok: others.size === 0,
    detail: `${accepted} of ${accepted + [...others.values()].reduce((a, b) => a + b, 0)} answered 202${listed ? `; ${listed}` : ''}`,
  };
}

// --- Segment files (the record format of packages/spool) ---------------------------------------------

/** `segment-<16 digits>.spool`: each record is magic (4 bytes), payload length and CRC32 (4 bytes each, big-endian), payload. */
const SEGMENT = /^segment-\d{16}\.spool$/;
const HEADER_BYTES = 12;

/** The spool's segment files, oldest first (absolute paths). */
export function segmentFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => SEGMENT.test(name))
    .sort()
    .map((name) => join(dir, name));
}

export interface SegmentRecord {
  readonly offset: number;
  readonly magic: Buffer;
  readonly length: number;
  /** The stored CRC32 matches the payload. */
  readonly crcOk: boolean;
  readonly payload: Buffer;
}

/** Reads a segment's whole records by the documented format; `rest`: bytes after the last whole one. */
export function readSegment(file: string): { records: SegmentRecord[]; rest: number } {
  const bytes = readFileSync(file);
  const records: SegmentRecord[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= bytes.length) {
    const length = bytes.readUInt32BE(offset + 4);
    const end = offset + HEADER_BYTES + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(offset + HEADER_BYTES, end);
    records.push({
      offset,
      magic: bytes.subarray(offset, offset + 4),
      length,
      crcOk: crc32(payload) === bytes.readUInt32BE(offset + 8),
      payload,
    });
    offset = end;
  }
  return { records, rest: bytes.length - offset };
}

/**
 * Appends a torn record to `file`, as a crash in the middle of a write leaves it: the magic of the
 * file's first record, a header announcing `length` payload bytes with their CRC32, and only the
 * first `written` of them. Returns the offset it starts at.
 */
export function appendTornRecord(file: string, length = 600, written = 100): number {
  const magic = readFileSync(file).subarray(0, 4);
  const offset = readFileSync(file).length;
  const payload = Buffer.alloc(length, 'x');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  appendFileSync(file, Buffer.concat([magic, header, payload.subarray(0, written)]));
  return offset;
}

/** One provider request, signed, not retried: its status, JSON body and Retry-After. */
export async function postEvent(
  rig: FaultRig,
  body: string,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const answer = await fetch(rig.webhookUrl, {
    method: 'POST',
    headers: signedHeaders(body),
    body,
  });
  return {
    status: answer.status,
    body: (await answer.json()) as Record<string, unknown>,
    retryAfter: answer.headers.get('retry-after'),
  };
}
