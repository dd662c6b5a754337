import type { IncomingHttpHeaders } from 'node:http';

export interface RecordedDelivery {
  readonly at: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Whether the relay's Standard Webhooks signature checked out; null when no secret is configured. */
  readonly signatureValid: boolean | null;
  /** What the backend answered. */
  readonly status: number;
}

/** In-memory record of the latest deliveries (bounded, oldest dropped first). */
export class DeliveryStore {
  private readonly items: RecordedDelivery[] = [];

  constructor(private readonly capacity: number) {}

  add(delivery: RecordedDelivery): void {
    this.items.push(delivery);
    if (this.items.length > this.capacity) this.items.shift();
  }

  list(filter: { path?: string; id?: string } = {}): RecordedDelivery[] {
    return this.items.filter(
      (d) =>
        (!filter.path || d.path === filter.path) &&
        (!filter.id || d.headers['x-hookrelay-id'] === filter.id),
    );
  }

  clear(): void {
    this.items.length = 0;
  }
}
