import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

// A service's domain/ holds its rules: at run time it may load the kernel only through the
// sub-paths (`@gatehouse/shared/errors`, …), never the barrel, which loads express, ioredis and
// grpc-js. Type-only imports are erased by tsc, so the compiled files show what really loads.
const SERVICES = resolve(process.cwd(), 'services');

describe("services' domain files", () => {
  it.each(['auth-bearer', 'auth-app', 'auth-apikey', 'auth-basic', 'proxy'])(
    '%s/domain loads the kernel only through its sub-paths',
    (service) => {
      const dir = join(SERVICES, service, 'dist', 'src', 'domain');
      const files = readdirSync(dir).filter((f) => f.endsWith('.js') && !f.endsWith('.test.js'));
      expect(files.length).toBeGreaterThan(0);
      const offenders = files.filter((f) => /from ['"]@gatehouse\/shared['"]/.test(readFileSync(join(dir, f), 'utf8')));
      expect(offenders).toEqual([]);
    },
  );

  it("auth-bearer's CLI login rules (the use case and its checks) load the kernel only through its sub-paths", () => {
    const dir = join(SERVICES, 'auth-bearer', 'dist', 'src', 'cli');
    const rules = ['cli-login', 'redirect-uri', 'request-checks', 'rate-limiter', 'idp-errors', 'ports'].map((f) => `${f}.js`);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(rules));
    const offenders = rules.filter((f) => /from ['"]@gatehouse\/shared['"]/.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
