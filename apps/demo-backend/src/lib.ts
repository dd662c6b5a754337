export { createDemoBackend, type DemoBackend, type DemoBackendOptions } from './server.js';
export type { RecordedDelivery } from './delivery-store.js';
export type { FailureRule } from './failure-rules.js';
export type { Outage, Tolerate } from './protection.js';
