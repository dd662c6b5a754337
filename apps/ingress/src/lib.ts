export { createServer, type IngressDependencies } from './server.js';
export { ingest, type IngestOutcome } from './ingest.js';
