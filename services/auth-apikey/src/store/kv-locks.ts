import { randomUUID } from 'node:crypto';
import type { KeyValueStore } from '@gatehouse/shared';
import type { Locks } from '../domain/ports.js';

/**
 * Short locks in the store (`apikey:lock:<name>`, SET NX with a TTL, so a crashed holder never blocks
 * for longer than `ttlMs`). Released by compare-and-set: only the holder's own token frees it.
 */
export class KvLocks implements Locks {
  private readonly held = new Map<string, string>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlMs: number,
  ) {}

  async acquire(name: string): Promise<boolean> {
    const token = randomUUID();
    if (!(await this.store.set(`apikey:lock:${name}`, token, { ttlMs: this.ttlMs, onlyIfAbsent: true }))) return false;
    this.held.set(name, token);
    return true;
  }

  async release(name: string): Promise<void> {
    const token = this.held.get(name);
    if (token === undefined) return;
    this.held.delete(name);
    await this.store.compareAndSet(`apikey:lock:${name}`, token, null);
  }
}
