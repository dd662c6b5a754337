interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions<T> {
  /** How many of the oldest queued items (at least 1) the next commit takes. */
  readonly batchSize: (queued: readonly T[]) => number;
  /** Makes the batch durable (one write, one sync); its items resolve or reject together. */
  readonly commit: (batch: T[]) => Promise<void>;
}

/**
 * Group commit. An fdatasync costs about as much for one record as for a hundred, so appends
 * that arrive while a write+sync is in flight wait for it to finish and then go together into the
 * next one, in the order they were made. The first append waits for the end of its turn of the
 * event loop (setImmediate), so that the requests handled in the same turn share a sync too.
 */
export class GroupCommit<T> {
  private queued: T[] = [];
  private waiters: Waiter[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly options: GroupCommitOptions<T>) {}

  /** Resolves once `item` is committed; rejects with its batch's error. */
  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push(item);
      this.waiters.push({ resolve, reject });
      this.running ??= new Promise<void>((started) => setImmediate(started)).then(() =>
        this.commitAll(),
      );
    });
  }

  /** Resolves when everything submitted so far is committed or failed. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async commitAll(): Promise<void> {
    while (this.queued.length > 0) {
      const count = Math.max(1, this.options.batchSize(this.queued));
      const batch = this.queued.splice(0, count);
      const waiters = this.waiters.splice(0, count);
      try {
        await this.options.commit(batch);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.running = undefined;
  }
}
