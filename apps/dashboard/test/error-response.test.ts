import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { Logger } from '@hookrelay/logger';
import { InvalidFilterError, UnknownSourceError } from '@hookrelay/ops';
import { apiErrorHandler } from '../src/error-response.js';

/** What the handler answered: status and JSON body. */
function answer(error: unknown, redisReady = true): { status: number; body: unknown } {
  const sent = { status: 0, body: undefined as unknown };
  const response = {
    status(code: number) {
      sent.status = code;
      return this;
    },
    type() {
      return this;
    },
    setHeader() {
      return this;
    },
    send(text: string) {
      sent.body = JSON.parse(text);
      return this;
    },
  };
  const logger = { error: () => undefined } as unknown as Logger;
  apiErrorHandler(logger, () => redisReady)(
    error,
    {} as Request,
    response as unknown as Response,
    () => undefined,
  );
  return sent;
}

describe('ops API errors', () => {
  it('answer an ops error with the status and code it carries', () => {
    expect(answer(new UnknownSourceError('nope'))).toEqual({
      status: 404,
      body: { error: { code: 'unknown_source', message: 'no source named "nope" in the config' } },
    });
    expect(answer(new InvalidFilterError('since: bad'))).toEqual({
      status: 400,
      body: { error: { code: 'invalid_filter', message: 'since: bad' } },
    });
  });

  it('answer anything else with 500 internal_error, the code the ingress uses too', () => {
    expect(answer(new Error('boom'))).toEqual({
      status: 500,
      body: { error: { code: 'internal_error', message: expect.any(String) } },
    });
  });
});
