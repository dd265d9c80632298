import { SsoStateSealer, type SsoState } from './sso-state.js';
import { codeOf } from '@gatehouse/shared/testing';

const state = (over: Partial<SsoState> = {}): SsoState => ({
  provider: 'kc',
  state: 'st',
  nonce: 'no',
  codeVerifier: 'verifier',
  redirect: '/app',
  expiresAt: 10_000,
  ...over,
});

describe('SsoStateSealer (the SSO state cookie)', () => {
  const sealer = new SsoStateSealer('a-secret-of-at-least-thirty-two-characters');

  it('opens what it sealed, and hides the verifier and nonce', () => {
    const sealed = sealer.seal(state());
    expect(sealer.open('kc', sealed, 5_000)).toEqual(state());
    expect(sealed).not.toContain('verifier');
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString()).not.toContain('verifier');
  });

  it('rejects a missing, tampered, expired, foreign or other-secret cookie with INVALID_CREDENTIALS', () => {
    const sealed = sealer.seal(state());
    const flipped = sealed.slice(0, -1) + (sealed.endsWith('A') ? 'B' : 'A');
    expect(codeOf(() => sealer.open('kc', undefined, 5_000))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(() => sealer.open('kc', flipped, 5_000))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(() => sealer.open('kc', sealed, 10_000))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(() => sealer.open('google', sealed, 5_000))).toBe('INVALID_CREDENTIALS');
    expect(codeOf(() => new SsoStateSealer('another-secret-of-thirty-two-characters!').open('kc', sealed, 5_000))).toBe(
      'INVALID_CREDENTIALS',
    );
    expect(codeOf(() => sealer.open('kc', 'x'.repeat(5000), 5_000))).toBe('INVALID_CREDENTIALS');
  });
});
