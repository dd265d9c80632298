import { sameHashSlot } from '@gatehouse/shared';
import { KEY_RING_KEYS } from './key-records.js';

describe('key ring keys on a Redis Cluster', () => {
  it('keeps the active kid, the kid set and every key in one hash slot (the ring is read as one snapshot)', () => {
    const keys = [KEY_RING_KEYS.active, KEY_RING_KEYS.set, KEY_RING_KEYS.key('a'), KEY_RING_KEYS.key('7f3c-other-kid')];
    expect(sameHashSlot(keys)).toBe(true);
    // The check itself can fail: untagged names spread over slots.
    expect(sameHashSlot(['bearer:keys', 'bearer:active-key', 'bearer:key:a'])).toBe(false);
  });
});
