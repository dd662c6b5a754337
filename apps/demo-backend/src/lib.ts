export { createDemoBackend, type DemoBackend, type DemoBackendOptions } from './server.js';
export type { RecordedDelivery } from './delivery-store.js';
export type { FailureRule } from './failure-rules.js';
export { busiestWindow, type Outage, type Tolerate } from './protection.js';
