export { createServer, type IngressDependencies } from './server.js';
export { createIngressHttpServer, type IngressLimits } from './http-server.js';
export { ingest, type IngestOutcome } from './ingest.js';
