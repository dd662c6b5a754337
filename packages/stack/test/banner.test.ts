import { describe, expect, it } from 'vitest';
import { bannerLines, localUrl, redisStoppedLine } from '../src/banner.js';

describe('what npm start prints', () => {
  it('gives each app the URL of the address it bound; a wildcard is reached on loopback', () => {
    expect(localUrl({ host: '0.0.0.0', port: 3000 })).toBe('http://127.0.0.1:3000');
    expect(localUrl({ host: '::', port: 3000 })).toBe('http://127.0.0.1:3000');
    expect(localUrl({ host: '192.168.1.20', port: 3001 })).toBe('http://192.168.1.20:3001');
    expect(localUrl({ host: '::1', port: 4000 })).toBe('http://[::1]:4000');
  });

  it('prints the banner from the addresses the apps reported', () => {
    const bound = new Map([
      ['ingress', { host: '0.0.0.0', port: 3100 }],
      ['worker', { host: '0.0.0.0', port: 3102 }],
      ['dashboard', { host: '10.0.0.5', port: 3101 }],
      ['demo-backend', { host: '127.0.0.1', port: 4100 }],
    ]);
    expect(
      bannerLines({ bound, sourcePaths: ['/api/webhooks/stripe'], dashboardNote: 'user admin' }),
    ).toEqual([
      'ingress      http://127.0.0.1:3100  (sources: /api/webhooks/stripe)',
      'worker       http://127.0.0.1:3102/healthz',
      'dashboard    http://10.0.0.5:3101/  (user admin)',
      'demo backend http://127.0.0.1:4100/deliveries',
      'Ctrl-C stops everything.',
    ]);
  });

  it('ends a Ctrl-C that stopped the embedded Redis with where its data stays', () => {
    expect(redisStoppedLine('/home/me/hookrelay/.data/redis')).toBe(
      'redis stopped; its data is kept in /home/me/hookrelay/.data/redis',
    );
  });
});
