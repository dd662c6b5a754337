import type { RedisNode } from '@hookrelay/testing';
import {
  reconcile,
  refusalStats,
  streamThrough,
  type Check,
  type FaultRig,
  type Scale,
  type Sender,
} from './fault-rig.js';

/*
 * What the Sentinel and Cluster scenarios share (replica-failover.ts, lagging-replica.ts,
 * frozen-master.ts): the stream, the master faulted a third into it, the reconciliation.
 */

/** Sentinel or Cluster: the topologies with a replica to fail over to. */
export type ReplicatedTopology = 'sentinel' | 'cluster';

export const ms = (at: number | undefined, from: number) =>
  at === undefined ? 'never' : `${at - from} ms`;

export interface FaultPoint {
  readonly full: boolean;
  /** Events in the stream; the fault comes after a third of them. */
  readonly count: number;
  readonly sender: Sender;
  /** The stream, still going. */
  readonly sending: Promise<void>;
  /** The node mastering hookrelay's keys a third into the stream, and its replica. */
  readonly master: RedisNode;
  readonly replica: RedisNode;
}

/**
 * Starts the stream — 3,000 events at 300/s (short: 600 at 150/s) — and resolves a third into it,
 * with the master holding hookrelay's keys and its replica.
 */
export async function streamToFault(rig: FaultRig, tag: string, scale: Scale): Promise<FaultPoint> {
  const full = scale === 'full';
  const count = full ? 3_000 : 600;
  const sender = streamThrough(rig, tag, { count, ratePerSecond: full ? 300 : 150, full });
  const sending = sender.run();
  await sender.reached(Math.floor(count / 3));
  const master = await rig.redis.replicated.masterOf(rig.prefix);
  const replica = await rig.redis.replicated.replicaOf(master);
  return { full, count, sender, sending, master, replica };
}

/** Waits for the end of the stream, then reconciles once the queues are idle. */
export async function settle(rig: FaultRig, { sender, sending, full }: FaultPoint) {
  await sending;
  const result = await reconcile(rig, sender, {
    timeoutMs: full ? 120_000 : 40_000,
    untilIdle: true,
  });
  return { result, stats: refusalStats(sender) };
}

/** The replica of the faulted master, and no other node, took over `tookMs` after the fault. */
export function replicaTookOver(
  newMaster: RedisNode,
  { replica }: FaultPoint,
  tookMs: number,
  fault: string,
): Check {
  return {
    name: 'the replica took over',
    ok: newMaster === replica,
    detail: `${newMaster.name} masters hookrelay's keys ${tookMs} ms after the ${fault} (replica was ${replica.name})`,
  };
}
