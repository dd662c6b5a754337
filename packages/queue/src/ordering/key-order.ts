import { Job } from 'bullmq';
import type { RedisClient } from '../connection.js';
import { OrderKeys } from './keys.js';
import { orderCommands } from './scripts.js';

/**
 * How long a parked event waits at most before it looks again. Releases wake parked events; this
 * is a safety net only, for a worker that died in the instant between parking an event and
 * checking it had not become the head meanwhile. Long, because every wake-up of a long line's
 * parked events costs a claim each.
 */
export const PARK_MS = 300_000;

/** A Queue or a Worker of the destination: what a Job is made on, and its keys. */
export type QueueLike = ConstructorParameters<typeof Job>[0] & { toKey(type: string): string };

/** What a finished head was, for its key. */
export type ReleasedAs = 'delivered' | 'dead';

/**
 * One ordered destination's keys (docs/ordering.md): who goes next, parking, releasing, replays.
 * `key` is always the stored key (storedOrderKey). Every step is one Lua script.
 */
export class KeyOrder {
  readonly keys: OrderKeys;

  constructor(
    private readonly client: RedisClient,
    private readonly queue: QueueLike,
    private readonly deadMs: number,
  ) {
    this.keys = new OrderKeys(queue);
  }

  /** True when `id` may be attempted now: its key's head. An id in no line joins the back first. */
  async claim(key: string, id: string): Promise<boolean> {
    const go = await orderCommands(this.client).hookrelayOrderClaim(
      this.keys.line(key),
      this.keys.parked(),
      this.keys.jobPrefix,
      id,
    );
    return go === 1;
  }

  /**
   * Called once the job (marked parked by its claim) is in the delayed set: when it became its
   * key's head meanwhile, promotes it back to waiting at once. Returns whether it was promoted.
   */
  async park(key: string, id: string): Promise<boolean> {
    const head = await orderCommands(this.client).hookrelayOrderPark(
      this.keys.line(key),
      this.keys.jobPrefix,
      id,
    );
    if (head !== 1) return false;
    await this.promote(id);
    return true;
  }

  /**
   * The head `id` is finished: it leaves its key's line (a dead one is remembered, so the events
   * delivered after it can be named), and the next event, when parked, is promoted to waiting.
   */
  async release(key: string, id: string, as: ReleasedAs): Promise<void> {
    const next = await orderCommands(this.client).hookrelayOrderRelease(
      this.keys.line(key),
      this.keys.parked(),
      this.keys.dead(key),
      this.keys.jobPrefix,
      id,
      as,
      this.deadMs,
      this.keys.after(''),
    );
    if (next) await this.promote(next);
  }

  /** A replayed event joins the back of its key's line. */
  async rejoin(key: string, id: string): Promise<void> {
    await orderCommands(this.client).hookrelayOrderRejoin(
      this.keys.line(key),
      this.keys.dead(key),
      this.keys.after(id),
      id,
    );
  }

  /** The events of its key delivered after the dead event `id`, oldest first (at most 100). */
  deliveredAfter(id: string): Promise<string[]> {
    return this.client.lrange(this.keys.after(id), 0, -1);
  }

  /** Takes `id` out of its key's line (a duplicate's place, whose job was never written). */
  async remove(key: string, id: string): Promise<void> {
    await this.client.lrem(this.keys.line(key), 1, id);
  }

  /** Delayed → waiting, by id (no payload read); a job no longer delayed is left alone. */
  private async promote(id: string): Promise<void> {
    try {
      await new Job(this.queue, '', {}, {}, id).promote();
    } catch {
      // Not delayed any more: it was promoted already, or it is being processed.
    }
  }
}
