import type { ProviderDefinition } from './types.js';

/** Identity helper that keeps the config type of a provider definition. */
export function defineProvider<Config extends { type: string }>(
  definition: ProviderDefinition<Config>,
): ProviderDefinition<Config> {
  return definition;
}
