import express, { type Express } from 'express';
import { Webhook } from 'standardwebhooks';
import { DeliveryStore, type RecordedDelivery } from './delivery-store.js';
import { parseControlBody } from './control-body.js';
import { FailureRules } from './failure-rules.js';
import { jsonErrors, notFound, sendError } from './json-errors.js';

export interface DemoBackendOptions {
  /** The relay's signing secret (whsec_…): when set, every delivery's signature is checked and recorded. */
  readonly signingSecret?: string;
  readonly capacity?: number;
  /** Called for each recorded delivery (the demo app logs it). */
  readonly onDelivery?: (delivery: RecordedDelivery) => void;
}

export interface DemoBackend {
  readonly app: Express;
  readonly store: DeliveryStore;
  readonly rules: FailureRules;
}

function checkSignature(
  webhook: Webhook | undefined,
  body: Buffer,
  headers: Record<string, unknown>,
): boolean | null {
  if (!webhook) return null;
  try {
    webhook.verify(body.toString('utf8'), headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

/**
 * A stand-in for "your backend": records every POST, answers 200, or fails as told by POST /_control
 * (`{"rules":[{"status":500,"times":2}]}`, `{"rules":[{"status":429,"retryAfter":"2"}]}`, `{"rules":[{"hang":true}]}`).
 * A /_control body that is not such JSON is refused with 400 `body_invalid` naming the field and
 * what it allows; every error answers JSON. It has no Redis: /readyz is ready whenever it answers.
 */
export function createDemoBackend(options: DemoBackendOptions = {}): DemoBackend {
  const store = new DeliveryStore(options.capacity ?? 100_000);
  const rules = new FailureRules();
  const webhook = options.signingSecret ? new Webhook(options.signingSecret) : undefined;
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => void res.json({ status: 'ready' }));
  app.get('/deliveries', (req, res) => {
    const path = typeof req.query.path === 'string' ? req.query.path : undefined;
    const id = typeof req.query.id === 'string' ? req.query.id : undefined;
    res.json(store.list({ path, id }));
  });
  app.get('/deliveries/stats', (_req, res) => {
    const all = store.list();
    const unique = new Set(all.map((d) => `${d.headers['x-hookrelay-id']} ${d.path}`));
    res.json({
      count: all.length,
      unique: unique.size,
      failedAnswers: all.filter((d) => d.status >= 300).length,
    });
  });
  app.delete('/deliveries', (_req, res) => {
    store.clear();
    res.status(204).end();
  });
  app.get('/_control', (_req, res) => void res.json({ rules: rules.list() }));
  app.post('/_control', express.json(), (req, res) => {
    const control = parseControlBody(req.body);
    if ('problem' in control) return sendError(res, 400, 'body_invalid', control.problem);
    rules.set(control.rules);
    res.json({ rules: rules.list() });
  });

  app.post(/.*/, express.raw({ type: () => true, limit: '10mb' }), (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const rule = rules.take(req.path);
    if (rule?.hang) return;
    const status = rule?.status ?? 200;
    const delivery: RecordedDelivery = {
      at: new Date().toISOString(),
      path: req.path,
      headers: req.headers,
      body: body.toString('utf8'),
      signatureValid: checkSignature(webhook, body, req.headers),
      status,
    };
    store.add(delivery);
    options.onDelivery?.(delivery);
    if (rule?.retryAfter) res.setHeader('Retry-After', rule.retryAfter);
    const answer = () => void res.status(status).json({ ok: status < 300 });
    if (rule?.delayMs) setTimeout(answer, rule.delayMs);
    else answer();
  });
  app.use(notFound);
  app.use(jsonErrors());
  return { app, store, rules };
}
