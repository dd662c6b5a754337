import { crc32 } from 'node:zlib';

/**
 * The record format. A segment file is records back to back, nothing else (no file header, no
 * padding), each one:
 *
 *   bytes 0–3    magic 0x48525331 ("HRS1"): a record starts here, not zeros or garbage
 *   bytes 4–7    payload length in bytes, unsigned 32-bit big-endian
 *   bytes 8–11   CRC-32 of the payload (zlib.crc32), unsigned 32-bit big-endian
 *   bytes 12–    the payload, exactly as the caller gave it (the spool never looks inside)
 *
 * A crash mid-write leaves a torn tail (a short header or a short payload); a disk that returns
 * other bytes than were written fails the magic or the checksum. Either ends the segment's valid
 * part when it is scanned at open (segment-scan.ts).
 */
export const RECORD_MAGIC = 0x48525331;
export const HEADER_BYTES = 12;
/** Bigger payloads are refused: a webhook body is far smaller, and a record is read whole. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** The header and the payload in one buffer (a copy: the caller may reuse its buffer at once). */
export function encodeRecord(payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  record.writeUInt32BE(RECORD_MAGIC, 0);
  record.writeUInt32BE(payload.length, 4);
  record.writeUInt32BE(crc32(payload), 8);
  record.set(payload, HEADER_BYTES);
  return record;
}

export interface RecordHeader {
  readonly payloadBytes: number;
  readonly checksum: number;
}

/** The header at the start of `bytes` (at least HEADER_BYTES long), or why it is not one. */
export function decodeHeader(bytes: Buffer): RecordHeader | { readonly invalid: string } {
  const magic = bytes.readUInt32BE(0);
  if (magic !== RECORD_MAGIC)
    return { invalid: `bad magic 0x${magic.toString(16).padStart(8, '0')}` };
  const payloadBytes = bytes.readUInt32BE(4);
  if (payloadBytes > MAX_PAYLOAD_BYTES)
    return { invalid: `bad length ${payloadBytes} (over the ${MAX_PAYLOAD_BYTES}-byte maximum)` };
  return { payloadBytes, checksum: bytes.readUInt32BE(8) };
}

export const checksumMatches = (payload: Uint8Array, checksum: number): boolean =>
  crc32(payload) === checksum;
