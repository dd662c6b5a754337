import { defineConfig } from 'vitest/config';

/** Tests import workspace packages from their TypeScript sources (the "source" export condition). */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
