/**
 * What a bench's result file says about the machine it ran on: CPUs, memory, load, Node and Redis
 * versions; and the load average again at the end (a shared machine shows in it). Not run on its own.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

/** `7.0.15`, from `redis-server --version` (the binary every bench starts). */
export function redisVersion(): string {
  const probe = spawnSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'], {
    encoding: 'utf8',
  });
  return /v=(\S+)/.exec(probe.stdout ?? '')?.[1] ?? 'unknown';
}

export const loadAverage = () => loadavg().map((load) => +load.toFixed(2));

/** The machine as the run starts. */
export function machineInfo() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(totalmem() / 2 ** 20),
    loadAverageAtStart: loadAverage(),
    node: process.version,
    redis: redisVersion(),
    platform: `${process.platform} ${process.arch}`,
  };
}
