import express, { type Express } from 'express';
import { Webhook } from 'standardwebhooks';
import { DeliveryStore, type RecordedDelivery } from './delivery-store.js';
import { parseControlBody } from './control-body.js';
import { FailureRules } from './failure-rules.js';
import { busiestWindow, RateTolerance, type Outage } from './protection.js';
import { jsonErrors, notFound, sendError } from './json-errors.js';

export interface DemoBackendOptions {
  /** The relay's signing secret (whsec_…): when set, every delivery's signature is checked and recorded. */
  readonly signingSecret?: string;
  readonly capacity?: number;
  /** Called for each recorded delivery (the demo app logs it). */
  readonly onDelivery?: (delivery: RecordedDelivery) => void;
  /** The clock of the tolerated rate and of each delivery's `at` (tests set it). */
  readonly now?: () => number;
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
 * (`{"rules":[{"status":500,"times":2}]}`, `{"rules":[{"status":429,"retryAfter":"2"}]}`, `{"rules":[{"hang":true}]}`),
 * tolerates a rate and answers 429 beyond it (`{"tolerate":{"max":50,"per":"1s"}}`), or is down and
 * answers 503 to everything (`{"outage":true}`); the outage comes first, then the rate, then the rules.
 * A /_control body that is not such JSON is refused with 400 `body_invalid` naming the field and
 * what it allows; every error answers JSON. It has no Redis: /readyz is ready whenever it answers.
 */
export function createDemoBackend(options: DemoBackendOptions = {}): DemoBackend {
  const store = new DeliveryStore(options.capacity ?? 100_000);
  const rules = new FailureRules();
  const now = options.now ?? Date.now;
  let tolerance: RateTolerance | undefined;
  let outage: Outage | false = false;
  const controls = () => ({ rules: rules.list(), tolerate: tolerance?.setting ?? null, outage });
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
    const key = (d: RecordedDelivery) => `${d.headers['x-hookrelay-id']} ${d.path}`;
    const unique = new Set(all.map(key));
    res.json({
      count: all.length,
      unique: unique.size,
      delivered: new Set(all.filter((d) => d.status < 300).map(key)).size,
      failedAnswers: all.filter((d) => d.status >= 300).length,
      tooManyRequests: all.filter((d) => d.status === 429).length,
      serverErrors: all.filter((d) => d.status >= 500).length,
      busiestSecond: busiestWindow(all.map((d) => Date.parse(d.at))),
    });
  });
  app.delete('/deliveries', (_req, res) => {
    store.clear();
    res.status(204).end();
  });
  app.get('/_control', (_req, res) => void res.json(controls()));
  app.post('/_control', express.json(), (req, res) => {
    const control = parseControlBody(req.body);
    if ('problem' in control) return sendError(res, 400, 'body_invalid', control.problem);
    if (control.rules) rules.set(control.rules);
    if (control.tolerate !== undefined)
      tolerance = control.tolerate ? new RateTolerance(control.tolerate, now) : undefined;
    if (control.outage !== undefined) outage = control.outage;
    res.json(controls());
  });

  app.post(/.*/, express.raw({ type: () => true, limit: '10mb' }), (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const refusedFor = outage ? undefined : tolerance?.take();
    const rule = outage || refusedFor !== undefined ? undefined : rules.take(req.path);
    if (rule?.hang) return;
    const status = outage ? outage.status : refusedFor !== undefined ? 429 : (rule?.status ?? 200);
    const retryAfter = outage ? outage.retryAfter : (refusedFor?.toString() ?? rule?.retryAfter);
    const delivery: RecordedDelivery = {
      at: new Date(now()).toISOString(),
      path: req.path,
      headers: req.headers,
      body: body.toString('utf8'),
      signatureValid: checkSignature(webhook, body, req.headers),
      status,
    };
    store.add(delivery);
    options.onDelivery?.(delivery);
    if (retryAfter) res.setHeader('Retry-After', retryAfter);
    const answer = () => void res.status(status).json({ ok: status < 300 });
    if (rule?.delayMs) setTimeout(answer, rule.delayMs);
    else answer();
  });
  app.use(notFound);
  app.use(jsonErrors());
  return { app, store, rules };
}
