import { z } from 'zod';
import { PROVIDERS, providerFor, type VerifyConfig } from './catalogue.js';
import type { BodyFormat, ProviderDefinition } from './types.js';

function findProvider(type: string): ProviderDefinition | undefined {
  return PROVIDERS.find((p) => p.type === type || (p.aliases ?? []).includes(type));
}

const strictSchemas = new WeakMap<ProviderDefinition, z.ZodType>();

/** A provider's own schema, refusing keys it does not declare: a misspelt `tolerence:` is an error. */
function strictSchemaOf(provider: ProviderDefinition): z.ZodType {
  let schema = strictSchemas.get(provider);
  if (!schema) {
    schema = provider.schema instanceof z.ZodObject ? provider.schema.strict() : provider.schema;
    strictSchemas.set(provider, schema);
  }
  return schema;
}

/** The `verify:` block of a source: dispatches on `type` to that provider's own schema, strictly. */
export const verifyConfigSchema = z
  .looseObject({ type: z.string({ error: 'required' }) })
  .transform((value, ctx): VerifyConfig => {
    const provider = findProvider(value.type);
    if (!provider) {
      const known = PROVIDERS.flatMap((p) => [p.type, ...(p.aliases ?? [])]);
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `unknown verifier type "${value.type}" (known: ${known.join(', ')})`,
      });
      return z.NEVER;
    }
    const result = strictSchemaOf(provider).safeParse({ ...value, type: provider.type });
    if (!result.success) {
      // Issues go on as they are (an unknown key keeps its code and key list); paths stay relative.
      for (const issue of result.error.issues) ctx.addIssue({ ...issue });
      return z.NEVER;
    }
    return result.data as VerifyConfig;
  });

/**
 * What @hookrelay/config asks of the verifiers (`loadConfig({ verify: verifyPlugin })`): validation
 * of each `verify:` block, and the source defaults that follow from its provider.
 */
export const verifyPlugin = {
  schema: verifyConfigSchema,
  defaultsFor(type: string): { format: BodyFormat; dedupeContent: boolean } {
    const provider = providerFor(type);
    return {
      format: provider.bodyFormat ?? 'json',
      // Nothing time-bound is signed: a repeat of the signed content is a replay (README "Security").
      dedupeContent: provider.replayGuard === 'content',
    };
  },
};
