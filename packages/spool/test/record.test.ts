import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHeader, encodeRecord, HEADER_BYTES, RECORD_MAGIC } from '../src/record.js';

describe('the record format', () => {
  it('is magic, big-endian length, big-endian CRC-32 of the payload, then the payload', () => {
    const payload = Buffer.from('{"id":"evt_1"}');
    const record = encodeRecord(payload);
    expect(record.length).toBe(HEADER_BYTES + payload.length);
    expect(record.subarray(0, 4).toString('latin1')).toBe('HRS1');
    expect(record.readUInt32BE(0)).toBe(RECORD_MAGIC);
    expect(record.readUInt32BE(4)).toBe(payload.length);
    expect(record.readUInt32BE(8)).toBe(crc32(payload));
    expect(record.subarray(HEADER_BYTES)).toEqual(payload);
    expect(decodeHeader(record)).toEqual({
      payloadBytes: payload.length,
      checksum: crc32(payload),
    });
  });

  it('copies the payload, so that the caller may reuse its buffer', () => {
    const payload = Buffer.from('abc');
    const record = encodeRecord(payload);
    payload.fill(0);
    expect(record.subarray(HEADER_BYTES).toString()).toBe('abc');
  });

  it('tells a bad magic and an impossible length', () => {
    expect(decodeHeader(Buffer.alloc(HEADER_BYTES))).toEqual({ invalid: 'bad magic 0x00000000' });
    const huge = encodeRecord(Buffer.from('x'));
    huge.writeUInt32BE(0xffffffff, 4);
    expect(decodeHeader(huge)).toMatchObject({ invalid: expect.stringContaining('bad length') });
  });
});
