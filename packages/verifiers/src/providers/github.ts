import { randomUUID } from 'node:crypto';
import { bodyHmacProvider } from '../body-hmac.js';
import { freshNumber, hex, jsonSample, makerOf, secretTestConfig } from '../sample.js';
import type { SampleRequest } from '../types.js';

// Samples: the payloads GitHub sends for a few events, trimmed to their common fields (a test holds
// them to GitHub's published examples), with fresh ids and content so that a repeat is not a duplicate.

const HTML = 'https://github.com/octocat/hello-world';
const API = 'https://api.github.com/repos/octocat/hello-world';
const octocat = {
  login: 'octocat',
  id: 583231,
  node_id: 'MDQ6VXNlcjU4MzIzMQ==',
  html_url: 'https://github.com/octocat',
  type: 'User',
  site_admin: false,
};
const repository = {
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: 'hello-world',
  full_name: 'octocat/hello-world',
  private: false,
  owner: octocat,
  html_url: HTML,
  url: API,
  default_branch: 'main',
};
const author = { name: 'The Octocat', email: 'octocat@github.com', username: 'octocat' };
/** GitHub's timestamps: ISO 8601 to the second. */
const time = (now: Date) => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

const PAYLOADS: Record<string, (now: Date) => object> = {
  push: (now) => {
    const [before, after] = [hex(20), hex(20)];
    const commit = {
      id: after,
      tree_id: hex(20),
      distinct: true,
      message: 'Fix the invoice rounding',
      timestamp: time(now),
      url: `${HTML}/commit/${after}`,
      author,
      committer: author,
      added: [],
      removed: [],
      modified: ['src/invoice.ts'],
    };
    return {
      ref: 'refs/heads/main',
      before,
      after,
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: `${HTML}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
      commits: [commit],
      head_commit: commit,
      repository,
      pusher: { name: author.username, email: author.email },
      sender: octocat,
    };
  },
  pull_request: (now) => {
    const number = freshNumber(4);
    const branch = (ref: string) => ({
      label: `octocat:${ref}`,
      ref,
      sha: hex(20),
      user: octocat,
      repo: repository,
    });
    return {
      action: 'opened',
      number,
      pull_request: {
        url: `${API}/pulls/${number}`,
        id: freshNumber(9),
        html_url: `${HTML}/pull/${number}`,
        number,
        state: 'open',
        locked: false,
        title: 'Round invoice totals to whole francs',
        user: octocat,
        body: 'XOF has no minor unit: totals are rounded before they are stored.',
        created_at: time(now),
        updated_at: time(now),
        closed_at: null,
        merged_at: null,
        draft: false,
        head: branch('fix-rounding'),
        base: branch('main'),
        merged: false,
        commits: 1,
        additions: 3,
        deletions: 1,
        changed_files: 1,
      },
      repository,
      sender: octocat,
    };
  },
  issues: (now) => {
    const number = freshNumber(4);
    return {
      action: 'opened',
      issue: {
        url: `${API}/issues/${number}`,
        html_url: `${HTML}/issues/${number}`,
        id: freshNumber(9),
        number,
        title: 'Invoice total off by one franc',
        user: octocat,
        labels: [],
        state: 'open',
        locked: false,
        assignee: null,
        assignees: [],
        comments: 0,
        created_at: time(now),
        updated_at: time(now),
        closed_at: null,
        body: 'Order 1042 was charged 15001 XOF instead of 15000.',
      },
      repository,
      sender: octocat,
    };
  },
  // Sent once when a webhook is created, to a new hook each time.
  ping: (now) => {
    const id = freshNumber(9);
    return {
      zen: 'Design for failure.',
      hook_id: id,
      hook: {
        type: 'Repository',
        id,
        name: 'web',
        active: true,
        events: ['push', 'pull_request', 'issues'],
        config: {
          content_type: 'json',
          insecure_ssl: '0',
          url: 'https://relay.example.com/webhooks/github',
        },
        updated_at: time(now),
        created_at: time(now),
        url: `${API}/hooks/${id}`,
        test_url: `${API}/hooks/${id}/test`,
        ping_url: `${API}/hooks/${id}/pings`,
        last_response: { code: null, status: 'unused', message: null },
      },
      repository,
      sender: octocat,
    };
  },
};

/** The payload of `type` (the push one for a type without its own), labelled `type`. */
function sampleOf(type: string | undefined, now: Date): SampleRequest {
  const event = type ?? 'push';
  return jsonSample(makerOf(PAYLOADS, event, 'push')(now), {
    'x-github-event': event,
    'x-github-delivery': randomUUID(),
    'x-github-hook-id': '1',
  });
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`; the legacy SHA-1 header is ignored. */
export const github = bodyHmacProvider({
  type: 'github',
  header: 'x-hub-signature-256',
  headerLabel: 'X-Hub-Signature-256',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  // The event and delivery headers go along so a backend using @octokit/webhooks can still route the event.
  alsoForward: ['x-github-event', 'x-github-delivery', 'x-github-hook-id'],
  event: { id: 'headers.x-github-delivery', type: 'headers.x-github-event' },
  sample: { eventType: 'push', eventTypes: Object.keys(PAYLOADS), build: sampleOf },
  testConfig: secretTestConfig(
    'github',
    ['github-previous-secret', 'github-current-secret'],
    'not-the-github-secret',
  ),
});
