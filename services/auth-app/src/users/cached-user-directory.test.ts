import { FakeClock } from '@gatehouse/shared/testing';
import { MemoryUserDirectory } from '@gatehouse/shared/testing';
import { CachedUserDirectory } from './cached-user-directory.js';

describe('CachedUserDirectory', () => {
  it('reuses an answer for the TTL, forgets it on invalidate, and never caches a missing user', async () => {
    const clock = new FakeClock();
    const inner = new MemoryUserDirectory();
    inner.add({ id: 'u1', email: 'a@b.c' });
    const cached = new CachedUserDirectory(inner, clock, 5000, 10);
    await cached.getUser({ id: 'u1' });
    await cached.getUser({ id: 'u1' });
    expect(inner.lookups).toBe(1);
    inner.remove('u1');
    cached.invalidate('u1');
    expect(await cached.getUser({ id: 'u1' })).toBeNull();
    expect(await cached.getUser({ id: 'u1' })).toBeNull();
    expect(inner.lookups).toBe(3);
    inner.add({ id: 'u2', email: 'x@y.z' });
    await cached.getUser({ id: 'u2' });
    clock.advance(5000);
    await cached.getUser({ id: 'u2' });
    expect(inner.lookups).toBe(5);
  });

  it('stays within its size bound', async () => {
    const inner = new MemoryUserDirectory();
    for (let i = 0; i < 5; i++) inner.add({ id: `u${i}`, email: `${i}@x.y` });
    const cached = new CachedUserDirectory(inner, new FakeClock(), 60_000, 2);
    for (let i = 0; i < 5; i++) await cached.getUser({ id: `u${i}` });
    inner.lookups = 0;
    await cached.getUser({ id: 'u4' });
    await cached.getUser({ id: 'u0' });
    expect(inner.lookups).toBe(1);
  });

  it('passes lookups by email through uncached', async () => {
    const inner = new MemoryUserDirectory();
    inner.add({ id: 'u1', email: 'a@b.c' });
    const cached = new CachedUserDirectory(inner, new FakeClock(), 60_000, 10);
    expect((await cached.getUser({ email: 'a@b.c' }))?.id).toBe('u1');
    expect((await cached.getUser({ email: 'a@b.c' }))?.id).toBe('u1');
    expect(inner.lookups).toBe(2);
  });
});
