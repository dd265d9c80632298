import type { KeyValueStore } from '@gatehouse/shared';

/**
 * User changes (gatehouse.user.changed ids) auth-bearer has acted on, shared by every instance:
 * the event and auth-basic's direct RevokeUser call carry the same id, so whichever comes first
 * revokes and a repeat (a retried call, a redelivered event) does nothing, not even end a session
 * opened after the change.
 */
export class HandledChanges {
  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlMs: number,
  ) {}

  private key(id: string): string {
    return `bearer:event:${id}`;
  }

  /** Claims `id` (set-if-absent): true for the first claimer only. */
  claim(id: string): Promise<boolean> {
    return this.store.set(this.key(id), '1', { onlyIfAbsent: true, ttlMs: this.ttlMs });
  }

  async done(id: string): Promise<boolean> {
    return (await this.store.get(this.key(id))) !== null;
  }

  /** Records `id` as handled (after the work succeeded, so a failed attempt can be retried). */
  async mark(id: string): Promise<void> {
    await this.store.set(this.key(id), '1', { ttlMs: this.ttlMs });
  }
}
