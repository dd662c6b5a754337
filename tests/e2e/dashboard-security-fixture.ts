import { waitFor } from '@hookrelay/testing';
import { startDashboard, type Dashboard, type DashboardOptions } from './dashboard-harness.js';
import { post, startRelay, type Relay } from './harness.js';

export const SOURCE = 'shop';
export const QUEUE = 'delivery.shop.default';
export const DEAD_LETTERS = 3;

export interface DeadLetterSetup {
  readonly relay: Relay;
  readonly dashboard: Dashboard;
  /** The ids of the DEAD_LETTERS dead-lettered events. */
  readonly ids: readonly string[];
  close(): Promise<void>;
}

/**
 * A relay with one source whose backend answered 500 until DEAD_LETTERS events died, and a
 * dashboard over it. Without `keepWorkers` the workers are then stopped, so anything a test
 * replays stays visible in the queue instead of dying again behind its back.
 */
export async function startWithDeadLetters(
  options: DashboardOptions & { keepWorkers?: boolean } = {},
): Promise<DeadLetterSetup> {
  const relay = await startRelay({
    yaml: `
sources:
  ${SOURCE}:
    verify: { type: none }
    destination: { url: \${BACKEND_URL}/${SOURCE} }
    retry: { attempts: 1 }
`,
  });
  const dashboard = await startDashboard(relay, options);
  relay.backend.rules.set([{ path: `/${SOURCE}`, status: 500 }]);
  const ids: string[] = [];
  for (let n = 0; n < DEAD_LETTERS; n++) {
    const answer = await post(relay, `/webhooks/${SOURCE}`, JSON.stringify({ n }));
    ids.push(answer.body!.id as string);
  }
  await waitFor(async () => (await relay.queue(SOURCE).getFailedCount()) === DEAD_LETTERS, {
    what: 'the events dead-lettered',
  });
  if (!options.keepWorkers) await relay.workers?.close();
  return {
    relay,
    dashboard,
    ids,
    async close() {
      await dashboard.close();
      await relay.close();
    },
  };
}

/** What a refused request must leave as it was: paused or not, and where every job is. */
export async function queueState(relay: Relay) {
  const queue = relay.queue(SOURCE);
  return {
    paused: await queue.isPaused(),
    counts: await queue.getJobCounts('failed', 'waiting', 'prioritized', 'delayed', 'completed'),
    deliveries: relay.backend.store.list().length,
  };
}
