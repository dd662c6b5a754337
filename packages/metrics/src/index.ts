export { createRegistry } from './registry.js';
export { ingressMetrics, type IngressMetrics, type IngressOutcome } from './ingress-metrics.js';
export {
  deliveryMetrics,
  attemptOutcome,
  type DeliveryMetrics,
  type AttemptOutcome,
} from './delivery-metrics.js';
export { queueMetrics } from './queue-metrics.js';
export { inboxMetrics } from './inbox-metrics.js';
export {
  spoolMetrics,
  type SpoolMetrics,
  type SpoolOutcome,
  type SpoolGauges,
} from './spool-metrics.js';
export { metricsHandler } from './metrics-route.js';
export type { Registry } from 'prom-client';
