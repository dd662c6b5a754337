import type { HookrelayConfig, SourceConfig } from '@hookrelay/config';
import {
  compileLocation,
  createVerifier,
  providerFor,
  type FieldReader,
  type Verifier,
} from '@hookrelay/verifiers';
import type { SensitiveKey } from '@hookrelay/logger';
import { secretHeadersOf } from './received-headers.js';

/** Everything the ingress needs to take one source's webhooks, built once at start-up. */
export interface SourceRoute {
  readonly source: SourceConfig;
  readonly verifier: Verifier;
  readonly readEventId?: FieldReader;
  readonly readEventType?: FieldReader;
  readonly readDelayUntil?: FieldReader;
  /** The event id is read from the body: a body without one is refused (event_id_missing). */
  readonly idFromBody: boolean;
  /** Each destination with `orderBy`, and the reader of its order key. */
  readonly orderReaders: readonly { readonly destination: string; readonly read: FieldReader }[];
  /** Headers whose values the event log masks. */
  readonly isSecretHeader: SensitiveKey;
}

function reader(location: string | undefined): FieldReader | undefined {
  return location ? compileLocation(location) : undefined;
}

export function buildSourceRoute(source: SourceConfig): SourceRoute {
  const defaults = providerFor(source.verify.type).event ?? {};
  const locations = {
    id: source.event.id ?? defaults.id,
    type: source.event.type ?? defaults.type,
    delayUntil: source.event.delayUntil,
  };
  const verifier = createVerifier(source.verify);
  return {
    source,
    verifier,
    isSecretHeader: secretHeadersOf(verifier),
    orderReaders: source.destinations.flatMap((destination) =>
      destination.orderBy
        ? [{ destination: destination.name, read: compileLocation(destination.orderBy) }]
        : [],
    ),
    readEventId: reader(locations.id),
    readEventType: reader(locations.type),
    readDelayUntil: reader(locations.delayUntil),
    idFromBody: locations.id?.startsWith('body') ?? false,
  };
}

/** Path → route for every path of every source (its own path and /webhooks/<name>). */
export function buildRouteTable(config: HookrelayConfig): Map<string, SourceRoute> {
  const table = new Map<string, SourceRoute>();
  for (const source of config.sources) {
    const route = buildSourceRoute(source);
    for (const path of source.paths) table.set(path, route);
  }
  return table;
}
