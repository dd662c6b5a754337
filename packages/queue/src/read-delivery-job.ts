import { DELIVERY_JOB_VERSION, type DeliveryJobData } from './job.js';

/** Job data that no version this code knows describes: written by a newer deploy, or edited by hand. */
export class UnreadableJobError extends Error {
  override readonly name = 'UnreadableJobError';
}

/** Version 0: what the enqueuer wrote before job data carried a version; version 1 only added it. */
type DeliveryJobDataV0 = Omit<DeliveryJobData, 'version'>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function problemOf(data: Record<string, unknown>): string | undefined {
  for (const field of ['id', 'source', 'destination', 'requestId', 'body'] as const)
    if (typeof data[field] !== 'string') return `${field} is not a string`;
  if (typeof data.receivedAt !== 'number' || !Number.isFinite(data.receivedAt))
    return 'receivedAt is not a number';
  for (const field of ['eventId', 'eventType', 'contentType', 'orderKey'] as const)
    if (data[field] !== undefined && typeof data[field] !== 'string')
      return `${field} is not a string`;
  if (!isRecord(data.headers) || !Object.values(data.headers).every((v) => typeof v === 'string'))
    return 'headers is not a map of strings';
  if (data.bodyEncoding !== 'utf8' && data.bodyEncoding !== 'base64')
    return 'bodyEncoding is neither utf8 nor base64';
  return undefined;
}

function checkV0(data: Record<string, unknown>): asserts data is DeliveryJobDataV0 {
  const problem = problemOf(data);
  if (problem) throw new UnreadableJobError(`job data: ${problem}`);
}

/**
 * The one reader of delivery job data, for every version still retained: version 1 as it is, and
 * the unversioned jobs written before (version 0) as version 1. Throws UnreadableJobError for
 * anything else, naming what is wrong.
 */
export function readDeliveryJob(data: unknown): DeliveryJobData {
  if (!isRecord(data)) throw new UnreadableJobError('job data is not an object');
  const version = data.version ?? 0;
  switch (version) {
    case 0:
      checkV0(data);
      return { ...data, version: DELIVERY_JOB_VERSION };
    case DELIVERY_JOB_VERSION:
      checkV0(data);
      return data as unknown as DeliveryJobData;
    default:
      throw new UnreadableJobError(
        `job data version ${JSON.stringify(version)} is not one this hookrelay reads (0 to ${DELIVERY_JOB_VERSION})`,
      );
  }
}
