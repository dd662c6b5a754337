import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { answerText, readAnswerPrefix } from '../src/read-answer.js';

describe('readAnswerPrefix', () => {
  it('stops at the limit and destroys the stream instead of reading the rest', async () => {
    let produced = 0;
    const body = new Readable({
      read() {
        produced += 1_000;
        this.push(Buffer.alloc(1_000, 'a'));
      },
    });
    const kept = await readAnswerPrefix(body, new AbortController().signal, 4096);
    expect(kept.length).toBe(4096);
    expect(body.destroyed).toBe(true);
    expect(produced).toBeLessThan(64 * 1024);
  });

  it('returns a short body whole', async () => {
    const kept = await readAnswerPrefix(
      Readable.from([Buffer.from('ok')]),
      new AbortController().signal,
    );
    expect(kept.toString()).toBe('ok');
  });

  it('rejects when the deadline passes mid-body, and destroys the stream', async () => {
    const body = new Readable({ read() {} });
    body.push('partial');
    const deadline = new AbortController();
    const reading = readAnswerPrefix(body, deadline.signal);
    deadline.abort();
    await expect(reading).rejects.toThrow(/deadline/);
    expect(body.destroyed).toBe(true);
  });
});

describe('answerText', () => {
  it('drops a character cut in two at the limit', () => {
    const bytes = Buffer.from('ab€'); // € is 3 bytes: keep 4 of the 5
    expect(answerText(bytes.subarray(0, 4), 4)).toBe('ab');
  });

  it('never exceeds the limit in UTF-8, even when invalid bytes become U+FFFD', () => {
    const text = answerText(Buffer.alloc(4096, 0xff));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(text).toMatch(/^\uFFFD+$/);
  });
});
