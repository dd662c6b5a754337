import { describe, expect, it } from 'vitest';
import { AnswerPrefix, answerText } from '../src/read-answer.js';

describe('AnswerPrefix', () => {
  it('keeps chunks until the limit, cutting the last one, and says when it is full', () => {
    const prefix = new AnswerPrefix(4096);
    for (let i = 0; i < 4; i++) expect(prefix.take(Buffer.alloc(1_000, 'a'))).toBe(false);
    expect(prefix.take(Buffer.alloc(1_000, 'b'))).toBe(true);
    const kept = prefix.bytes();
    expect(kept.length).toBe(4096);
    expect(kept.subarray(4000).toString()).toBe('b'.repeat(96));
  });

  it('keeps a short body whole, text chunks too, and nothing at all as empty', () => {
    const prefix = new AnswerPrefix();
    expect(prefix.take('o')).toBe(false);
    expect(prefix.take(Buffer.from('k'))).toBe(false);
    expect(prefix.bytes().toString()).toBe('ok');
    expect(new AnswerPrefix().bytes()).toEqual(Buffer.alloc(0));
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
