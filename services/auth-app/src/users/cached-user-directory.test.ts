import { FakeClock } from '@gatehouse/shared/testing';
import { MemoryUserDirectory } from '../../test/support/memory-user-directory.js';
import { CachedUserDirectory } from './cached-user-directory.js';

describe('CachedUserDirectory', () => {
  it('reuses an answer for the TTL, forgets it on invalidate, and never caches a missing user', async () => {
    const clock = new FakeClock();
    const inner = new MemoryUserDirectory();
    inner.add({ id: 'u1', email: 'a@b.c' });
    const cached = new CachedUserDirectory(inner, clock, 5000, 10);
    await cached.getById('u1');
    await cached.getById('u1');
    expect(inner.lookups).toBe(1);
    inner.remove('u1');
    cached.invalidate('u1');
    expect(await cached.getById('u1')).toBeNull();
    expect(await cached.getById('u1')).toBeNull();
    expect(inner.lookups).toBe(3);
    inner.add({ id: 'u2', email: 'x@y.z' });
    await cached.getById('u2');
    clock.advance(5000);
    await cached.getById('u2');
    expect(inner.lookups).toBe(5);
  });

  it('stays within its size bound', async () => {
    const inner = new MemoryUserDirectory();
    for (let i = 0; i < 5; i++) inner.add({ id: `u${i}`, email: `${i}@x.y` });
    const cached = new CachedUserDirectory(inner, new FakeClock(), 60_000, 2);
    for (let i = 0; i < 5; i++) await cached.getById(`u${i}`);
    inner.lookups = 0;
    await cached.getById('u4');
    await cached.getById('u0');
    expect(inner.lookups).toBe(1);
  });
});
