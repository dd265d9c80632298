import { deriveKey } from './crypto.js';
import { API_KEY_FORMAT, APP_TOKEN_FORMAT, credentialDigest, credentialIdOf, credentialMatches, mintCredential } from './credentials.js';

const key = deriveKey('k'.repeat(40), 'test-credentials');

describe('credential formats', () => {
  it('mints API keys as ghk_<32 hex id>_<256-bit secret> and finds the id again', () => {
    const { id, token } = mintCredential(API_KEY_FORMAT);
    expect(token).toMatch(/^ghk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(id).toHaveLength(32);
    expect(credentialIdOf(API_KEY_FORMAT, token)).toBe(id);
  });

  it('keeps a given id (a refreshed key keeps its uuid) with a new secret', () => {
    const first = mintCredential(API_KEY_FORMAT);
    const again = mintCredential(API_KEY_FORMAT, first.id);
    expect(again.id).toBe(first.id);
    expect(again.token).not.toBe(first.token);
  });

  it('mints app tokens in their own format, which is not an API key', () => {
    const { token } = mintCredential(APP_TOKEN_FORMAT);
    expect(token).toMatch(/^ghapp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(credentialIdOf(API_KEY_FORMAT, token)).toBeNull();
  });

  it.each([
    ['a secret shorter than 256 bits', `ghk_${'a'.repeat(32)}_${'b'.repeat(42)}`],
    ['an id of the wrong length', `ghk_${'a'.repeat(31)}_${'b'.repeat(43)}`],
    ['upper-case hex in the id', `ghk_${'A'.repeat(32)}_${'b'.repeat(43)}`],
    ['another prefix', `ghkey_${'a'.repeat(32)}_${'b'.repeat(43)}`],
    ['an overlong value', `ghk_${'a'.repeat(32)}_${'b'.repeat(300)}`],
    ['not a string', 42],
  ])('finds no id in %s', (_name, token) => {
    expect(credentialIdOf(API_KEY_FORMAT, token)).toBeNull();
  });

  it('stores an HMAC digest and matches only the exact credential', () => {
    const { token } = mintCredential(API_KEY_FORMAT);
    const digest = credentialDigest(key, token);
    expect(digest).not.toContain(token.slice(37));
    expect(credentialMatches(key, token, digest)).toBe(true);
    expect(credentialMatches(key, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, digest)).toBe(false);
    expect(credentialMatches(deriveKey('k'.repeat(40), 'another-purpose'), token, digest)).toBe(false);
  });
});
