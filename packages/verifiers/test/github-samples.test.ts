import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { describe, expect, it } from 'vitest';
import { sampleEventTypes, sampleRequest } from '../src/index.js';

// The package is CommonJS JSON whose typings claim an ES default export, so it is loaded as what it is.
const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples',
) as WebhookDefinition[];

type Payload = Record<string, unknown>;

/** The keys of every example GitHub publishes for `event`: of the payload, or of its object `key`. */
function exampleKeys(event: string, key?: string): { all: Set<string>; always: string[] } {
  const payloads = examples.find((definition) => definition.name === event)!.examples as Payload[];
  // Where an example has no such object (a deleted branch's push has no head_commit), no keys.
  const lists = payloads
    .map((payload) => (key ? payload[key] : payload) as Payload | null)
    .flatMap((node) => (node ? [Object.keys(node)] : []));
  return {
    all: new Set(lists.flat()),
    always: lists[0]!.filter((name) => lists.every((keys) => keys.includes(name))),
  };
}

/** Each sample's main object besides the payload itself. */
const INNER: Record<string, string> = {
  push: 'head_commit',
  pull_request: 'pull_request',
  issues: 'issue',
  ping: 'hook',
};

describe.each(sampleEventTypes('github'))('the GitHub %s sample', (event) => {
  const payload = JSON.parse(sampleRequest('github', event).body.toString()) as Payload;

  it('has the keys every example of GitHub’s has, and only keys GitHub’s have', () => {
    const top = exampleKeys(event);
    const optional = ['installation', 'organization', 'enterprise', 'changes'];
    expect(Object.keys(payload).filter((key) => !top.all.has(key))).toEqual([]);
    expect(top.always.filter((key) => !(key in payload) && !optional.includes(key))).toEqual([]);
  });

  it(`has in its ${INNER[event]} only keys GitHub’s have`, () => {
    const inner = exampleKeys(event, INNER[event]!);
    const keys = Object.keys(payload[INNER[event]!] as Payload);
    expect(keys.filter((key) => !inner.all.has(key))).toEqual([]);
  });
});
