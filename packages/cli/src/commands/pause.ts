import type { Ops, PauseResult } from '@hookrelay/ops';
import type { Output } from '../output.js';

function print(result: PauseResult, output: Output): void {
  if (output.json) return output.data(result);
  const queues = `${result.queues.length} destination${result.queues.length === 1 ? '' : 's'}`;
  output.line(
    result.paused
      ? `Paused ${result.source} (${queues}): deliveries are held; the ingress keeps accepting. Resume with: hookrelay resume ${result.source}`
      : `Resumed ${result.source} (${queues}): held deliveries go out now.`,
  );
}

export async function pause(ops: Ops, source: string, output: Output): Promise<void> {
  print(await ops.pauseSource(source), output);
}

export async function resume(ops: Ops, source: string, output: Output): Promise<void> {
  print(await ops.resumeSource(source), output);
}
