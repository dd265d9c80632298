import { PassThrough } from 'node:stream';
import { createLogger } from '@gatehouse/shared';
import { startupBanner, type BannerInfo } from './banner.js';
import { logDestination } from './log-destination.js';

const info: BannerInfo = {
  services: ['auth-bearer', 'auth-basic', 'proxy'],
  ports: { proxy: { http: 41000, grpc: 41001, debug: 41005 } },
  proxyHttpAddr: '0.0.0.0:0',
  proxyDebugAddr: '127.0.0.1:0',
  store: 'memory',
  bus: 'memory',
  admin: { email: 'root@example.org', outcome: 'created', passwordFromEnv: false },
};

describe('the start-up banner', () => {
  it('gives the proxy and debug URLs on the bound ports (a wildcard host shown as loopback)', () => {
    const text = startupBanner(info).join('\n');
    expect(text).toContain('proxy            http://127.0.0.1:41000');
    expect(text).toContain('debug            http://127.0.0.1:41005  (/healthz /readyz /metrics)');
  });

  it('names the bootstrap admin and where its password is, never the password', () => {
    expect(startupBanner(info).join('\n')).toContain('bootstrap admin  root@example.org  (password printed above, shown once)');
    const fromEnv = startupBanner({ ...info, admin: { ...info.admin!, passwordFromEnv: true } }).join('\n');
    expect(fromEnv).toContain('(password from GATEHOUSE_ADMIN_PASSWORD)');
    expect(startupBanner({ ...info, admin: { ...info.admin!, outcome: 'exists' } }).join('\n')).toContain('already existed');
  });

  it('says which store and bus back it', () => {
    expect(startupBanner(info).join('\n')).toMatch(
      /backed by +memory store, memory bus \(nothing survives a restart; set REDIS_URL and NATS_URL/,
    );
    expect(startupBanner({ ...info, store: 'redis', bus: 'nats' }).join('\n')).toMatch(/backed by +redis store, nats bus$/m);
  });

  it('ends with the next command to try, against this proxy', () => {
    const text = startupBanner(info).join('\n');
    expect(text).toContain("curl -s http://127.0.0.1:41000/auth/login -H 'content-type: application/json'");
    expect(text).toContain('"email":"root@example.org"');
    expect(text).toContain('curl -s http://127.0.0.1:41000/whoami -H "authorization: Bearer $TOKEN"');
  });

  it('leaves out the proxy lines when the proxy is not in the run set', () => {
    const text = startupBanner({ ...info, services: ['auth-bearer'], ports: {}, admin: undefined }).join('\n');
    expect(text).not.toContain('http://');
    expect(text).toContain('auth-basic is not running here');
  });
});

describe('log lines of the all-in-one runtime', () => {
  it('are JSON when stdout is not a terminal', () => {
    expect(logDestination(false)).toBeUndefined();
  });

  it('are one readable line per entry on a terminal, secrets still redacted', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const logger = createLogger({ service: 'auth-basic', destination: logDestination(true, out) });
    logger.info({ email: 'a@example.org', password: 'hunter2-secret' }, 'user created');
    await new Promise((r) => setImmediate(r));
    expect(text).toMatch(/INFO.*auth-basic: user created/);
    expect(text.trimStart().startsWith('{')).toBe(false);
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain('hunter2-secret');
  });
});
