import { run as backendOutage } from './backend-outage.js';
import {
  failedChecks,
  formatDetails,
  formatTable,
  type ScenarioOptions,
  type ScenarioRow,
} from './fault-rig.js';
import { frozenMaster } from './frozen-master.js';
import { laggingReplica } from './lagging-replica.js';
import { run as redisFreeze } from './redis-freeze.js';
import { run as redisRestart } from './redis-restart.js';
import { failover } from './replica-failover.js';
import { run as spoolIngressRestart } from './spool-ingress-restart.js';
import { run as spoolRedisOutage } from './spool-redis-outage.js';
import { run as workerKills } from './worker-kills.js';

/**
 * `npm run test:faults`: every fault scenario at full scale, one after the other, then the table.
 * Exits 1 when a promise is broken (something acknowledged lost, a dead worker's deliveries
 * attempted again later than 15 s, a 503 slower than 1 s…) or a scenario could not run.
 * `--short` runs the short forms (those of npm test); scenario names as arguments run only those.
 */
const SCENARIOS: Record<
  string,
  (options: ScenarioOptions) => Promise<ScenarioRow | readonly ScenarioRow[]>
> = {
  'worker-kills': workerKills,
  'redis-restart': redisRestart,
  'redis-freeze': redisFreeze,
  'backend-outage': backendOutage,
  // Master + replica + 3 sentinels, and a 3-master Cluster (packages/testing).
  'sentinel-failover': failover('sentinel'),
  // Two rows each: without, then with redis.waitForReplicas: 1.
  'sentinel-lagging-replica': laggingReplica('sentinel'),
  // The master SIGSTOPped, not killed: the apps must not go back to it once it answers again.
  'sentinel-frozen-master': frozenMaster('sentinel'),
  'cluster-failover': failover('cluster'),
  'cluster-lagging-replica': laggingReplica('cluster'),
  'cluster-frozen-master': frozenMaster('cluster'),
  // ingress.spool on (docs/spool.md): Redis away, every request still answered 202.
  'spool-redis-outage': spoolRedisOutage,
  'spool-ingress-restart': spoolIngressRestart,
};

const args = process.argv.slice(2);
const scale = args.includes('--short') ? 'short' : 'full';
const names = args.filter((arg) => !arg.startsWith('--'));
for (const name of names)
  if (!(name in SCENARIOS)) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }

const rows: ScenarioRow[] = [];
let crashed = false;
for (const [name, run] of Object.entries(SCENARIOS)) {
  if (names.length && !names.includes(name)) continue;
  const started = Date.now();
  console.log(`${name} (${scale})…`);
  try {
    const produced = await run({ scale });
    const mine = Array.isArray(produced) ? produced : [produced];
    rows.push(...mine);
    console.log(
      `${mine.map(formatDetails).join('\n')}\n  took ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  } catch (error) {
    crashed = true;
    console.error(
      `${name} could not run: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

console.log(`\n${formatTable(rows)}\n`);
const broken = rows.flatMap((row) =>
  failedChecks(row).map((check) => `${row.scenario}: ${check.name} — ${check.detail}`),
);
for (const line of broken) console.log(`BROKEN ${line}`);
process.exit(broken.length || crashed ? 1 : 0);
