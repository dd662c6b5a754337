/**
 * The backend child (kit/backend-child.ts) from the bench's side: start it, wait until a number of
 * distinct deliveries reached it, read what it received, reset it, stop it. Not run on its own.
 */
import type { BackendMessage, BackendReport } from './backend-protocol.js';
import { forkChild, type Child } from './processes.js';
import type { Workspace } from './workspace.js';

const ofType =
  <K extends BackendMessage['type']>(type: K) =>
  (message: unknown) =>
    (message as BackendMessage | undefined)?.type === type
      ? (message as Extract<BackendMessage, { type: K }>)
      : undefined;

export class Backend {
  private constructor(
    readonly child: Child,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(workspace: Workspace): Promise<Backend> {
    const child = forkChild('backend', workspace.entry('kit/backend-child.ts'), [], {
      logFile: workspace.logFile('backend'),
    });
    try {
      const { port } = await child.message(ofType('listening'), 10_000, 'listening');
      return new Backend(child, port);
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  /**
   * True once `count` distinct deliveries arrived; false at the deadline or as soon as one of
   * `watched` (the worker) exits.
   */
  async waitFor(
    count: number,
    timeoutMs: number,
    watched: readonly Child[] = [],
  ): Promise<boolean> {
    const abort = new AbortController();
    const reached = this.child
      .message(ofType('reached'), timeoutMs, `${count} deliveries`, abort.signal)
      .then(
        () => true,
        () => false,
      );
    this.child.send({ type: 'expect', count });
    const exited = watched.map((child) => child.exited.then(() => false));
    const result = await Promise.race([reached, ...exited]);
    abort.abort();
    return result;
  }

  /** What arrived so far; with `times`, when each distinct delivery did. */
  async report(times = false): Promise<BackendReport> {
    this.child.send({ type: 'report', times });
    return (await this.child.message(ofType('report'), 30_000, 'report')).report;
  }

  async reset(): Promise<void> {
    this.child.send({ type: 'reset' });
    await this.child.message(ofType('reset'), 10_000, 'reset');
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
