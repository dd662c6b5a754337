/**
 * Section 5 of `npm run bench`, the options users turn on: ingress throughput (closed loop as in
 * section 1, --option-duration seconds) and worker drain (--option-events queued through the
 * ingress, then hookrelay's worker, as in section 2) for one destination (the reference), fan-out
 * to 3 destinations, `orderBy: body.data.object.customer` with 100 distinct customers, and a
 * destination rate limit set well above what the worker reaches (so what shows is the limiter's own
 * cost, not the limit: the table says how far above). Each config on its own fresh durable Redis,
 * the order rotating each round; medians over --rounds, and each config ÷ the reference.
 *   npm run bench -- --sections options [--rounds 3 --option-duration 5 --option-events 5000]
 */
import { startIngress, writeRelayConfig, type DestinationSpec } from '../kit/hookrelay-apps.js';
import { runLoad } from '../kit/load.js';
import { progress } from '../kit/progress.js';
import { startRedis } from '../kit/redis.js';
import { median, ratio } from '../kit/stats.js';
import { num, table } from '../kit/table.js';
import { CUSTOMERS, rotated, type BenchRun } from './context.js';
import { measureDrain, type DrainRun } from './drain.js';
import { medianRun, serverRun, type ServerRun } from './throughput.js';

/** Deliveries started per second the rate-limited destination allows. */
export const RATE_LIMIT = 10_000;

type OptionName = 'reference' | 'fanOut' | 'orderBy' | 'rateLimit';

const OPTIONS: Record<OptionName, { label: string; destinations: DestinationSpec[] }> = {
  reference: {
    label: 'one destination (reference)',
    destinations: [{ name: 'default', path: '/webhooks/stripe' }],
  },
  fanOut: {
    label: 'fan-out to 3 destinations',
    destinations: [1, 2, 3].map((n) => ({ name: `d${n}`, path: `/webhooks/stripe/d${n}` })),
  },
  orderBy: {
    label: `orderBy: body.data.object.customer (${CUSTOMERS} customers)`,
    destinations: [
      { name: 'default', path: '/webhooks/stripe', options: 'orderBy: body.data.object.customer' },
    ],
  },
  rateLimit: {
    label: `rateLimit: {max: ${RATE_LIMIT}, per: 1s}`,
    destinations: [
      {
        name: 'default',
        path: '/webhooks/stripe',
        options: `rateLimit: { max: ${RATE_LIMIT}, per: 1s }`,
      },
    ],
  },
};
const NAMES = Object.keys(OPTIONS) as OptionName[];

async function measureIngress(run: BenchRun, name: OptionName, what: string): Promise<ServerRun> {
  const { workspace, options } = run;
  const redis = await startRedis();
  try {
    const setup = await writeRelayConfig(
      workspace,
      redis.url,
      'http://127.0.0.1:9',
      OPTIONS[name].destinations,
    );
    const ingress = await startIngress(workspace, setup);
    try {
      const load = await runLoad(workspace, {
        mode: 'closed',
        port: setup.ingressPort,
        requests: run.requestsFor(setup.ingressPort),
        connections: options.connections,
        warmupSeconds: options.warmup,
        durationSeconds: options.optionDuration,
        headroom: 3,
      });
      const result = serverRun(run, what, load, ingress, true);
      progress(`${what}: ${result.rps} req/s, p99 ${result.p99Ms} ms`);
      return result;
    } finally {
      await ingress.stop();
    }
  } finally {
    await redis.cleanup();
  }
}

export async function optionsSection(run: BenchRun) {
  const { options } = run;
  const ingress: Record<OptionName, ServerRun[]> = {
    reference: [],
    fanOut: [],
    orderBy: [],
    rateLimit: [],
  };
  const drains: Record<OptionName, DrainRun[]> = {
    reference: [],
    fanOut: [],
    orderBy: [],
    rateLimit: [],
  };
  for (let round = 0; round < options.rounds; round++)
    for (const name of rotated(NAMES, round)) {
      const what = `options round ${round + 1} ${name}`;
      ingress[name].push(await measureIngress(run, name, `${what} ingress`));
      drains[name].push(
        await measureDrain(
          run,
          'hookrelay',
          options.optionEvents,
          `${what} drain`,
          OPTIONS[name].destinations,
        ),
      );
    }

  const summary = (name: OptionName) => {
    const destinations = OPTIONS[name].destinations.length;
    const deliveriesPerSecond = Math.round(median(drains[name].map((r) => r.deliveriesPerSecond)));
    return {
      label: OPTIONS[name].label,
      destinations,
      ingress: { ...medianRun(ingress[name]), runs: ingress[name] },
      drain: {
        deliveriesPerSecond,
        eventsPerSecond: Math.round(deliveriesPerSecond / destinations),
        workerPeakRssMb: +median(drains[name].map((r) => r.workerPeakRssMb ?? 0)).toFixed(1),
        lost: drains[name].reduce((sum, r) => sum + r.lost, 0),
        runs: drains[name],
      },
    };
  };
  const summaries = Object.fromEntries(NAMES.map((name) => [name, summary(name)])) as Record<
    OptionName,
    ReturnType<typeof summary>
  >;
  const reference = summaries.reference;
  const limitHeadroom = ratio(RATE_LIMIT, reference.drain.deliveriesPerSecond);
  const rateLimited = summaries.rateLimit.drain.deliveriesPerSecond;
  const limitNote =
    `rateLimit ${num(RATE_LIMIT)}/s is ${num(limitHeadroom, 1)}× the reference drain rate: ` +
    (rateLimited >= 0.8 * RATE_LIMIT
      ? 'the drain came close to it, so the limit itself may have bound'
      : 'it never binds, what shows is the limiter’s own cost');
  const text =
    table(
      `5. Options: ingress throughput (closed loop, ${options.connections} connections, ${options.optionDuration} s) ` +
        `and drain (${num(options.optionEvents)} events, hookrelay's worker); medians of ${options.rounds} round(s)`,
      [
        'config',
        'ingress req/s',
        '÷ ref',
        'p99 ms',
        'drain events/s',
        'deliveries/s',
        '÷ ref',
        'lost',
      ],
      NAMES.map((name) => {
        const s = summaries[name];
        return [
          s.label,
          num(s.ingress.rps),
          num(ratio(s.ingress.rps, reference.ingress.rps), 3),
          num(s.ingress.p99Ms, 2),
          num(s.drain.eventsPerSecond),
          num(s.drain.deliveriesPerSecond),
          num(ratio(s.drain.eventsPerSecond, reference.drain.eventsPerSecond), 3),
          num(s.drain.lost),
        ];
      }),
    ) + `${limitNote}\n`;
  return {
    text,
    json: {
      optionEvents: options.optionEvents,
      durationSeconds: options.optionDuration,
      rounds: options.rounds,
      rateLimit: {
        max: RATE_LIMIT,
        per: '1s',
        headroomOverReferenceDrain: limitHeadroom,
        note: limitNote,
      },
      configs: summaries,
      ratios: Object.fromEntries(
        NAMES.map((name) => [
          name,
          {
            ingress: ratio(summaries[name].ingress.rps, reference.ingress.rps),
            drainEvents: ratio(
              summaries[name].drain.eventsPerSecond,
              reference.drain.eventsPerSecond,
            ),
          },
        ]),
      ),
    },
  };
}
