/**
 * Runs the load generator (kit/load-generator.ts) as a child process for one measurement and
 * returns its figures. Not run on its own.
 */
import type { GeneratorMessage, LoadResult, LoadSpec } from './load-protocol.js';
import { forkChild } from './processes.js';
import type { Workspace } from './workspace.js';

type Answer = Exclude<GeneratorMessage, { type: 'measuring' }>;

const isAnswer = (message: unknown): message is Answer =>
  typeof message === 'object' &&
  message !== null &&
  ['result', 'failed'].includes((message as { type?: string }).type ?? '');

/**
 * Forks a generator, hands it `spec`, waits for its result (at most `timeoutMs`), stops it.
 * `onMeasuring` runs when the generator says its measured window starts (to read servers' CPU).
 */
export async function runLoad(
  workspace: Workspace,
  spec: LoadSpec,
  timeoutMs = 600_000,
  onMeasuring?: () => void,
): Promise<LoadResult> {
  const child = forkChild('load generator', workspace.entry('kit/load-generator.ts'), [], {
    logFile: workspace.logFile('load-generator'),
  });
  try {
    if (onMeasuring)
      child.process.on('message', (message: GeneratorMessage) => {
        if (message.type === 'measuring') onMeasuring();
      });
    child.send({ type: 'run', spec });
    const answer = await child.message(
      (message) => (isAnswer(message) ? message : undefined),
      timeoutMs,
      'load result',
    );
    if (answer.type === 'failed') throw new Error(`load generator failed: ${answer.error}`);
    return answer.result;
  } finally {
    await child.stop();
  }
}
