import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';

/** GET /metrics in Prometheus text format. */
export function metricsHandler(registry: Registry): RequestHandler {
  return async (_request, response) => {
    response.setHeader('Content-Type', registry.contentType);
    response.send(await registry.metrics());
  };
}
