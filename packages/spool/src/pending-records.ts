import type { Segment } from './segment.js';

/** Where a record is, and its place in the spool's order (what release() goes by). */
export interface RecordPosition {
  readonly segment: Segment;
  /** Of its header in the segment file. */
  readonly offset: number;
  readonly payloadBytes: number;
  /** Counts up from 0 in append order, for the life of one Spool. */
  readonly sequence: number;
}

/**
 * The records appended (or found at open) and not released, oldest first: a queue of positions.
 * The payloads stay on disk: a spool fills during a Redis outage, and may be larger than memory.
 */
export class PendingRecords {
  private positions: RecordPosition[] = [];
  /** positions[head] is the oldest unreleased; the ones before it wait to be cut off in a batch. */
  private head = 0;
  private nextSequence = 0;

  get size(): number {
    return this.positions.length - this.head;
  }

  add(segment: Segment, offset: number, payloadBytes: number): void {
    this.positions.push({ segment, offset, payloadBytes, sequence: this.nextSequence++ });
    segment.pendingRecords++;
  }

  oldest(max: number): RecordPosition[] {
    return this.positions.slice(this.head, this.head + Math.max(0, Math.floor(max)));
  }

  /** Every record up to and including `sequence`; nothing if they already are. */
  releaseThrough(sequence: number): void {
    if (sequence >= this.nextSequence) throw new RangeError(`no record ${sequence} in this spool`);
    while (this.head < this.positions.length && this.positions[this.head]!.sequence <= sequence)
      this.positions[this.head++]!.segment.pendingRecords--;
    // Drop released positions in bulk: shifting one at a time would copy the array each time.
    if (this.head >= 1024 && this.head * 2 >= this.positions.length) {
      this.positions = this.positions.slice(this.head);
      this.head = 0;
    }
  }
}
