import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS, providerFor } from '@hookrelay/verifiers';
import { waitFor } from '@hookrelay/testing';
import { hookrelay, tempFile, writeConfig, type TempFile } from './cli-harness.js';
import { startDashboard, type Dashboard } from './dashboard-harness.js';
import { post, startRelay, type Relay } from './harness.js';

/** A `verify:` for every type in the catalogue: its test config, with the current secret only. */
const VERIFY: Record<string, string> = Object.fromEntries(
  PROVIDERS.map(({ type, testConfig }) => [
    type,
    JSON.stringify(testConfig.verify(testConfig.secrets.slice(-1))),
  ]),
);

/** One source per provider type, named after it; generic types read the sample's own id and type fields. */
const sources = PROVIDERS.map(({ type, event, sample }) => {
  const locations = event ? '' : `\n    event: ${JSON.stringify(sample!.event)}`;
  return `  ${type}:\n    verify: ${VERIFY[type]}${locations}\n    destination: { url: \${BACKEND_URL}/${type} }`;
}).join('\n');

describe('hookrelay send', () => {
  let relay: Relay;
  let config: TempFile;

  beforeAll(async () => {
    relay = await startRelay({ yaml: `sources:\n${sources}\n` });
    config = writeConfig(
      `redis: { url: ${relay.redis.url}, prefix: test }\ningress: { port: ${relay.ingress.port} }\nsources:\n${sources.replaceAll('${BACKEND_URL}', relay.backend.url)}\n`,
    );
  });
  afterAll(async () => {
    config?.remove();
    await relay?.close();
  });

  it('signs a sample the way each provider does, and the ingress accepts it (202)', async () => {
    const signable = PROVIDERS.filter((provider) => provider.sign).map((provider) => provider.type);
    const runs = await Promise.all(
      signable.map(
        async (type) =>
          [type, await hookrelay(['send', type, '--json'], { config: config.path })] as const,
      ),
    );
    for (const [type, run] of runs) {
      expect([type, run.code, run.stderr]).toEqual([type, 0, '']);
      expect([type, run.json()]).toEqual([
        type,
        {
          url: expect.stringContaining(`/webhooks/${type}`),
          status: 202,
          body: { received: true, id: expect.stringMatching(/^evt_/) },
        },
      ]);
    }
    await waitFor(
      () =>
        signable.every((type) =>
          relay.backend.store.list({ path: `/${type}` }).some((d) => d.status === 200),
        ),
      { what: 'a delivery per provider' },
    );
  });

  it('explains that a provider it cannot sign for (PayPal) needs the provider, and exits 1', async () => {
    const unsignable = PROVIDERS.filter((provider) => !provider.sign).map(
      (provider) => provider.type,
    );
    expect(unsignable).toEqual(['paypal']);
    const run = await hookrelay(['send', 'paypal'], { config: config.path });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^hookrelay: source "paypal" uses verify type "paypal", which hookrelay cannot sign/,
    );
  });

  it('sends the event type asked for, prints the answer for people, and sends a file as is', async () => {
    const typed = await hookrelay(['send', 'stripe', '--event', 'charge.refunded'], {
      config: config.path,
    });
    expect(typed.code).toBe(0);
    expect(typed.stdout).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/stripe\n202 \{"received":true,"id":"evt_\w+"\}\n$/,
    );
    const id = /"id":"(evt_\w+)"/.exec(typed.stdout)![1]!;
    const delivery = await waitFor(() => relay.backend.store.list({ id }).at(0));
    expect(delivery.headers['x-hookrelay-event-type']).toBe('charge.refunded');
    expect(JSON.parse(delivery.body)).toMatchObject({
      type: 'charge.refunded',
      data: { object: { currency: 'xof', amount: 15000 } },
    });

    const file = tempFile(
      'payment.json',
      '{"transaction_id":"TX-FILE-1","event":"payment.failed","amount":2500,"currency":"XOF"}',
    );
    try {
      const sent = await hookrelay(['send', 'hmac', '--file', file.path, '--json'], {
        config: config.path,
      });
      expect(sent.json()).toMatchObject({ status: 202 });
      const fromFile = await waitFor(() =>
        relay.backend.store.list({ id: (sent.json().body as { id: string }).id }).at(0),
      );
      expect(fromFile.body).toBe(
        '{"transaction_id":"TX-FILE-1","event":"payment.failed","amount":2500,"currency":"XOF"}',
      );
    } finally {
      file.remove();
    }
  });

  it('sends the provider’s payload of the event type asked for, or says that only the label changes', async () => {
    const send = (...args: string[]) => hookrelay(['send', ...args], { config: config.path });
    const delivered = async (run: { stdout: string }) => {
      const id = /"id":"(evt_\w+)"/.exec(run.stdout)![1]!;
      const delivery = await waitFor(() => relay.backend.store.list({ id }).at(0));
      return { headers: delivery.headers, body: JSON.parse(delivery.body) as unknown };
    };

    const pull = await send('github', '--event', 'pull_request');
    expect([pull.code, pull.stderr]).toEqual([0, '']);
    expect(await delivered(pull)).toMatchObject({
      headers: { 'x-github-event': 'pull_request' },
      body: { action: 'opened', number: expect.any(Number), pull_request: { state: 'open' } },
    });

    const unknown = await send('github', '--event', 'not.a.thing');
    expect([unknown.code, unknown.stderr]).toEqual([
      0,
      'hookrelay: no github sample for "not.a.thing": sending the push sample with its event type set to "not.a.thing"\n',
    ]);
    expect(await delivered(unknown)).toMatchObject({
      headers: { 'x-github-event': 'not.a.thing', 'x-hookrelay-event-type': 'not.a.thing' },
      body: { ref: 'refs/heads/main', head_commit: expect.any(Object) },
    });

    const untyped = await send('twilio', '--event', 'sms.received');
    expect([untyped.code, untyped.stderr]).toEqual([
      1,
      'hookrelay: twilio webhooks name no event type, so --event does not apply: send another body with --file\n',
    ]);
  });

  it('exits 1 with one line for an unknown source, and when the ingress refuses or cannot be reached', async () => {
    const unknown = await hookrelay(['send', 'nope'], { config: config.path });
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      expect.stringMatching(/^hookrelay: no source named "nope" in the config/),
    ]);
    const unreachable = await hookrelay(['send', 'none', '--url', 'http://127.0.0.1:9'], {
      config: config.path,
    });
    expect([unreachable.code, unreachable.stderr]).toEqual([
      1,
      expect.stringMatching(/^hookrelay: cannot reach the ingress at http:\/\/127\.0\.0\.1:9\//),
    ]);
  });
});

describe('hookrelay status, dlq list, replay, pause and resume', () => {
  let relay: Relay;
  let dashboard: Dashboard;
  let config: TempFile;
  const run = (...args: string[]) => hookrelay(args, { config: config.path });

  beforeAll(async () => {
    const yaml = `
sources:
  orders:
    verify: { type: none }
    event: { id: body.id, type: body.type }
    destination: { url: \${BACKEND_URL}/orders }
    retry: { attempts: 1 }
  refunds:
    verify: { type: none }
    destinations:
      - { name: ledger, url: \${BACKEND_URL}/ledger }
      - { name: mailer, url: \${BACKEND_URL}/mailer }
`;
    relay = await startRelay({ yaml });
    dashboard = await startDashboard(relay);
    config = writeConfig(
      `redis: { url: ${relay.redis.url}, prefix: test }\n${yaml.replaceAll('${BACKEND_URL}', relay.backend.url)}`,
    );
    relay.backend.rules.set([{ path: '/orders', status: 400 }]);
    for (let n = 0; n < 3; n++)
      await post(
        relay,
        '/webhooks/orders',
        JSON.stringify({ id: `order-${n}`, type: 'order.paid' }),
      );
    await post(relay, '/webhooks/refunds', JSON.stringify({ id: 'refund-1' }));
    await waitFor(async () => {
      const [orders, refunds] = await dashboard.ops.sourceCounts();
      return (
        orders!.destinations[0]!.dead === 3 && refunds!.destinations.every((d) => d.delivered === 1)
      );
    });
  });
  afterAll(async () => {
    config?.remove();
    await dashboard?.close();
    await relay?.close();
  });

  it('status --json and dlq list --json say what the API says', async () => {
    const [status, dlq, apiSources, apiDead] = await Promise.all([
      run('status', '--json'),
      run('--json', 'dlq', 'list', '--source', 'orders'),
      dashboard.api('/api/sources'),
      dashboard.api('/api/dead-letters?source=orders'),
    ]);
    expect(status.code).toBe(0);
    expect(status.json()).toEqual(apiSources.body);
    expect(dlq.json()).toEqual(apiDead.body);
    expect(dlq.json<{ total: number }>().total).toBe(3);
  });

  it('status and dlq list print tables for people', async () => {
    const status = await run('status');
    expect(status.stdout.split('\n')[0]).toMatch(
      /^SOURCE\s+DESTINATION\s+WAITING\s+SCHEDULED\s+DELIVERING\s+RETRYING\s+DELIVERED\s+DEAD\s+STATE\s+BREAKER$/,
    );
    expect(status.stdout).toMatch(
      /\norders\s+default\s+0\s+0\s+0\s+0\s+0\s+3\s+running\s+closed\n/,
    );
    expect(status.stdout).toMatch(
      /\nrefunds\s+mailer\s+0\s+0\s+0\s+0\s+1\s+0\s+running\s+closed\n/,
    );
    const dlq = await run('dlq', 'list');
    const ids = (await dashboard.api('/api/dead-letters')).body.deadLetters as { id: string }[];
    for (const { id } of ids) expect(dlq.stdout).toContain(id);
    expect(dlq.stdout.split('\n')[0]).toMatch(
      /^ID\s+EVENT ID\s+SOURCE\s+DESTINATION\s+TYPE\s+RECEIVED\s+DEAD SINCE\s+ATTEMPTS\s+LAST ERROR$/,
    );
    expect(dlq.stdout).toMatch(
      /\nevt_\w+\s+order-1\s+orders\s+default\s+order\.paid\s.+\s1\s+HTTP 400 from the backend — not retried\n/,
    );
    expect(dlq.stdout).not.toMatch(/ at |Error/);
    expect(dlq.stdout.trimEnd().split('\n').at(-1)).toBe('3 of 3 dead events shown.');
    // Stored without a stack, so Bull Board shows the same line.
    const stored = await relay.queue('orders').getJob(ids[0]!.id);
    expect([stored!.failedReason, stored!.stacktrace]).toEqual([
      'HTTP 400 from the backend — not retried',
      [],
    ]);
    const one = await run('dlq', 'list', '--id', 'order-2');
    expect(one.stdout).toMatch(/\nevt_\w+\s+order-2\s+orders\s/);
    expect(one.stdout.trimEnd().split('\n').at(-1)).toBe('1 of 1 dead event shown.');
    expect((await run('dlq', 'list', '--id', 'TX-404')).stdout).toBe(
      'No dead event has id or provider id TX-404.\n',
    );
  });

  it('replay --dry-run reports the count and changes nothing', async () => {
    const before = (await dashboard.api('/api/sources')).body;
    const human = await run('replay', '--source', 'orders', '--since', '1h', '--dry-run');
    expect([human.code, human.stdout]).toEqual([
      0,
      'Would replay 3 dead events (dry run: nothing changed).\n',
    ]);
    const json = await run('--json', 'replay', '--dry-run');
    expect(json.json()).toEqual({ wouldReplay: 3 });
    const byProviderId = await run('replay', '--id', 'order-1', '--dry-run');
    expect(byProviderId.stdout).toBe('Would replay 1 dead event (dry run: nothing changed).\n');
    const unknown = await run('replay', '--id', 'order-1', 'TX-404', '--dry-run');
    expect(unknown.stdout).toBe(
      'Would replay 1 dead event (dry run: nothing changed).\n' +
        'No dead event has id or provider id TX-404 (searched: orders, refunds).\n',
    );
    const none = await run('replay', '--source', 'refunds', '--dry-run');
    expect(none.stdout).toBe(
      'Would replay 0 dead events (dry run: nothing changed).\n' +
        'The dead-letter queue is empty (searched: refunds).\n',
    );
    expect((await dashboard.api('/api/sources')).body).toEqual(before);
  });

  it('pause and resume hold and release a source, as the API shows', async () => {
    const paused = await run('pause', 'refunds');
    expect(paused.stdout).toMatch(
      /^Paused refunds \(2 destinations\): deliveries are held; the ingress keeps accepting/,
    );
    const [refunds] = (
      (await dashboard.api('/api/sources')).body.sources as { name: string; paused: boolean }[]
    ).filter((s) => s.name === 'refunds');
    expect(refunds!.paused).toBe(true);
    expect((await run('--json', 'resume', 'refunds')).json()).toEqual({
      source: 'refunds',
      paused: false,
      queues: ['delivery.refunds.ledger', 'delivery.refunds.mailer'],
    });
  });

  it('replay by id and time window sends dead events again, under the same ids', async () => {
    relay.backend.rules.set([]);
    const dead = (await dashboard.api('/api/dead-letters?source=orders')).body.deadLetters as {
      id: string;
    }[];
    const one = await run('replay', '--id', dead[0]!.id);
    expect(one.stdout).toBe('Replayed 1 dead event.\n');
    const rest = await run(
      '--json',
      'replay',
      '--source',
      'orders',
      '--since',
      new Date(Date.now() - 60_000).toISOString(),
      '--until',
      '0m',
    );
    expect(rest.json()).toEqual({ replayed: 2, skipped: 0 });
    await waitFor(
      () => dead.every(({ id }) => relay.backend.store.list({ id }).some((d) => d.status === 200)),
      { what: 'the replays delivered' },
    );
  });

  it('exits 1 with one line on an unknown source, a bad filter, or Redis out of reach', async () => {
    const unknown = await run('pause', 'nope');
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'hookrelay: no source named "nope" in the config\n',
    ]);
    const badFilter = await run('replay', '--since', 'last tuesday');
    expect([badFilter.code, badFilter.stderr]).toEqual([
      1,
      expect.stringMatching(/^hookrelay: since: expected a duration back from now/),
    ]);
    const away = writeConfig(
      'redis: { url: "redis://:hunter2@127.0.0.1:9" }\nsources:\n  a: { verify: { type: none }, destination: { url: "http://127.0.0.1:9" } }\n',
    );
    try {
      const noRedis = await run('--config', away.path, 'status');
      expect(noRedis.code).toBe(1);
      expect(noRedis.stderr).toMatch(
        /^hookrelay: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:9: connect ECONNREFUSED 127\.0\.0\.1:9\n$/,
      );
      expect(noRedis.stderr).not.toContain('hunter2');
    } finally {
      away.remove();
    }
  });
});

describe('hookrelay config check', () => {
  const SECRETS = [
    ...['token', 'basic', 'hmac', 'stripe', 'paypal'].map((type) =>
      providerFor(type).testConfig.secrets.at(-1)!,
    ),
    'redis-password-42',
    'backend-bearer-42',
    'backend-api-key-42',
    'dashboard-password-42',
    'dashboard-token-42',
    'whsec_c2lnbmluZ3NlY3JldA==',
  ];
  const yaml = `
redis: { url: "redis://default:redis-password-42@127.0.0.1:6379" }
dashboard: { password: dashboard-password-42, token: dashboard-token-42 }
signing: { secret: "whsec_c2lnbmluZ3NlY3JldA==" }
sources:
  notify:
    verify: ${VERIFY.token}
    destination: { url: "http://127.0.0.1:4000/n", headers: { Authorization: "Bearer backend-bearer-42", X-Api-Key: backend-api-key-42 } }
  gateway: { verify: ${VERIFY.basic}, destination: { url: "http://127.0.0.1:4000/g" } }
  payment: { verify: ${VERIFY.hmac}, destination: { url: "http://127.0.0.1:4000/p" } }
  stripe: { verify: ${VERIFY.stripe}, destination: { url: "http://127.0.0.1:4000/s" } }
  paypal: { verify: ${VERIFY.paypal}, destination: { url: "http://127.0.0.1:4000/pp" } }
`;

  it('validates the config and prints it with every secret masked', async () => {
    const file = writeConfig(yaml);
    try {
      for (const args of [
        ['config', 'check'],
        ['--json', 'config', 'check'],
      ]) {
        const run = await hookrelay(args, { config: file.path });
        expect(run.code).toBe(0);
        for (const secret of SECRETS) expect(run.stdout, secret).not.toContain(secret);
        expect(run.stdout).toContain('gateway');
      }
      const json = (await hookrelay(['--json', 'config', 'check'], { config: file.path })).json<{
        valid: boolean;
        config: { redis: { url: string } };
      }>();
      expect(json.valid).toBe(true);
      expect(json.config.redis.url).toBe('redis://default:••••••@127.0.0.1:6379');
    } finally {
      file.remove();
    }
  });

  it('prints the config in the file’s own keys, defaults written out, and reads its own output back', async () => {
    const file = writeConfig(
      'worker: { lockDuration: 45000 }\nsources:\n  a: { verify: { type: none }, destination: { url: "http://127.0.0.1:4000/a" } }\n',
    );
    const printed = tempFile('hookrelay.yaml', '');
    try {
      const run = await hookrelay(['config', 'check'], { config: file.path });
      expect(run.code).toBe(0);
      expect(run.stdout).not.toMatch(/Ms:/);
      for (const line of [
        'enqueueTimeout: 700ms',
        'lockDuration: 45s',
        'delivered: 1d',
        'bodyLimit: 1mb',
      ])
        expect(run.stdout).toContain(`  ${line}\n`);
      writeFileSync(printed.path, run.stdout);
      const again = await hookrelay(['config', 'check'], { config: printed.path });
      expect(again.stdout.split('\n').slice(1)).toEqual(run.stdout.split('\n').slice(1));
    } finally {
      file.remove();
      printed.remove();
    }
  });

  it('names the file and line of a YAML mistake, and the rule a source name breaks', async () => {
    const bad = tempFile('other.yaml', 'sources:\n  a:\n    verify: { type: none }}\n');
    const upper = writeConfig(
      'sources:\n  Stripe: { verify: { type: none }, destination: { url: "http://127.0.0.1:4000" } }\n',
    );
    try {
      const yaml = await hookrelay(['config', 'check'], { config: bad.path });
      expect([yaml.code, yaml.stdout]).toEqual([
        1,
        `invalid config:\n${bad.path}:3: not valid YAML (Unexpected flow-map-end token in YAML stream)\n`,
      ]);
      const name = await hookrelay(['config', 'check'], { config: upper.path });
      expect([name.code, name.stdout]).toEqual([
        1,
        'invalid config:\nsources.Stripe: source names use lowercase letters, digits, - and _\n',
      ]);
    } finally {
      bad.remove();
      upper.remove();
    }
  });

  it('names every problem of an invalid config and exits 1, without printing its secrets', async () => {
    const file = writeConfig(
      'sources:\n  a: { verify: { type: hmac, header: x-sig, secret: super-secret-99, algorithm: md5 }, destination: { url: nope } }\n',
    );
    try {
      const run = await hookrelay(['config', 'check'], { config: file.path });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^invalid config:\nsources\.a\.verify\.algorithm: /);
      expect(run.stdout).toContain('sources.a.destination.url: ');
      expect(run.stdout).not.toContain('super-secret-99');
    } finally {
      file.remove();
    }
  });
});
