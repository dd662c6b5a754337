import { ConfigError, loadConfig, type HookrelayConfig } from '@hookrelay/config';
import { connectRedis, OpsError, Ops } from '@hookrelay/ops';
import { verifyPlugin } from '@hookrelay/verifiers';
import { CliError } from './cli-error.js';
import { consoleOutput, type Output } from './output.js';

/** Options every command takes. */
export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
}

export interface CommandContext {
  readonly config: HookrelayConfig;
  readonly output: Output;
}

/** Runs a command body: loads the config, reports expected failures as one line with exit code 1. */
export async function runCommand(
  options: GlobalOptions,
  body: (context: CommandContext) => Promise<number | void>,
): Promise<void> {
  try {
    const config = loadConfig({ path: options.config, verify: verifyPlugin });
    process.exitCode = (await body({ config, output: consoleOutput(options.json ?? false) })) ?? 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hookrelay: invalid config\n${error.problems.join('\n')}\n`);
    } else if (error instanceof CliError || error instanceof OpsError) {
      process.stderr.write(`hookrelay: ${error.message}\n`);
    } else {
      throw error;
    }
    process.exitCode = 1;
  }
}

/** Opens the config's delivery queues over a fresh Redis connection for one command, then closes both. */
export async function withOps<T>(
  config: HookrelayConfig,
  body: (ops: Ops) => Promise<T>,
): Promise<T> {
  const redis = await connectRedis(config.redis, 'hookrelay-cli');
  const ops = new Ops(config, redis);
  try {
    return await body(ops);
  } finally {
    await ops.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}
