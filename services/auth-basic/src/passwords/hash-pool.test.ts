import { HashPool } from './hash-pool.js';
import { PasswordHasher } from './password-hasher.js';

describe('PasswordHasher on the worker pool', () => {
  const pool = new HashPool({ size: 2, queueMax: 2 });
  const hasher = new PasswordHasher(pool, 'unit-test-secret-unit-test-secret-0000', 4);
  afterAll(() => pool.close());

  it('verifies the right password and rejects one differing after byte 72', async () => {
    const pw = 'p'.repeat(80);
    const h = await hasher.hash(pw);
    expect(await hasher.verify(pw, h)).toBe(true);
    expect(await hasher.verify('p'.repeat(79) + 'q', h)).toBe(false);
  });

  it('flags hashes of another cost for rehash', async () => {
    expect(hasher.needsRehash(await hasher.hash('whatever pw'))).toBe(false);
    expect(hasher.needsRehash('$2b$12$abcdefghijklmnopqrstuu')).toBe(true);
    expect(hasher.needsRehash('garbage')).toBe(true);
  });

  it('refuses work beyond the queue bound with REQUESTS_EXCEEDED', async () => {
    const jobs = Array.from({ length: 8 }, () =>
      hasher.hash('queued password').then(
        () => 'ok',
        (e: { code: string }) => e.code,
      ),
    );
    const out = await Promise.all(jobs);
    expect(out.filter((x) => x === 'ok')).toHaveLength(4);
    expect(out.filter((x) => x === 'REQUESTS_EXCEEDED')).toHaveLength(4);
  });
});
