import { maskUrlPassword, type RedisConfig } from '@hookrelay/config';
import { createRedis, describeRedis, type RedisClient } from '@hookrelay/queue';
import { RedisUnavailableError } from './errors.js';

/**
 * A fail-fast connection for one-shot tools (the CLI): resolves once Redis is ready; rejects with
 * RedisUnavailableError on the first connection error, or after `timeoutMs`, instead of retrying forever.
 */
export async function connectRedis(
  config: RedisConfig,
  name: string,
  timeoutMs = 5_000,
): Promise<RedisClient> {
  const client = createRedis(config, 'producer', name);
  const where = describeRedis(config);
  let timer: NodeJS.Timeout | undefined;
  let onError: ((error: Error) => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      if (client.status === 'ready') return resolve();
      timer = setTimeout(
        () =>
          reject(
            new RedisUnavailableError(`cannot reach Redis at ${where} within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      onError = (error) =>
        reject(
          new RedisUnavailableError(
            `cannot reach Redis at ${where}: ${maskUrlPassword(error.message, '***')}`,
          ),
        );
      client.once('error', onError);
      client.once('ready', () => resolve());
    });
    return client;
  } catch (error) {
    client.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
    if (onError) client.off('error', onError);
    client.on('error', () => undefined);
  }
}
