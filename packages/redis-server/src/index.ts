import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';

export interface RedisServerOptions {
  readonly port: number;
  readonly dir: string;
  readonly bin?: string;
  /** AOF with fsync on every write: what hookrelay needs to lose nothing it acknowledged. */
  readonly durable?: boolean;
  readonly bind?: string;
  /**
   * Own process group, so a terminal's Ctrl-C reaches only the launcher, which stops Redis last
   * (npm start). Off for tests, whose servers should go down with them.
   */
  readonly detached?: boolean;
  /**
   * A config file to load first (the command line's options apply on top of it). Sentinel needs
   * one, and so does a replica that Sentinel reconfigures: both rewrite it (CONFIG REWRITE).
   */
  readonly configFile?: string;
  /** More command-line options after the usual ones (`--cluster-enabled yes`, `--sentinel`…). */
  readonly extraArgs?: readonly string[];
}

/** Install hints printed when no `redis-server` binary can be found. */
export const MISSING_REDIS_MESSAGE =
  'hookrelay needs Redis and found no `redis-server` on PATH and nothing listening on 127.0.0.1:6379. ' +
  'Install it (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`), ' +
  'point REDIS_URL at a Redis you run, or run the whole stack with `docker compose up`.';

export class RedisBinaryMissingError extends Error {
  override readonly name = 'RedisBinaryMissingError';
  constructor() {
    super(MISSING_REDIS_MESSAGE);
  }
}

export function redisBinary(bin = 'redis-server'): string | undefined {
  const probe = spawnSync(bin, ['--version'], { stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? undefined : bin;
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A redis-server child process that can be stopped, killed and started again on the same port and data. */
export class RedisServer {
  private child?: ChildProcess;

  constructor(readonly options: RedisServerOptions) {}

  get url(): string {
    return `redis://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 10_000): Promise<this> {
    const bin = redisBinary(this.options.bin);
    if (!bin) throw new RedisBinaryMissingError();
    mkdirSync(this.options.dir, { recursive: true });
    const args = [
      ...(this.options.configFile ? [this.options.configFile] : []),
      '--port',
      String(this.options.port),
      '--bind',
      this.options.bind ?? '127.0.0.1',
      '--dir',
      this.options.dir,
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      // A delivery job (a hash with a body of a few KB) kept as a listpack: about 40 % fewer bytes
      // per retained event than a hash table (README "Performance"). The ziplist name is the one
      // Redis 6 knows too; Redis 7 takes it as an alias.
      '--hash-max-ziplist-value',
      '8192',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
      ...(this.options.durable === false
        ? ['--appendonly', 'no']
        : ['--appendonly', 'yes', '--appendfsync', 'always']),
      ...(this.options.extraArgs ?? []),
    ];
    const child = spawn(bin, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: this.options.detached ?? false,
    });
    this.child = child;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited with code ${child.exitCode}`);
      if (await isListening(this.options.port)) return this;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGKILL');
    throw new Error(
      `redis-server did not listen on port ${this.options.port} within ${timeoutMs} ms`,
    );
  }

  /** Stops the server: SIGTERM (clean) by default, SIGKILL to simulate a crash. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }
}
