import { authAnswer } from './auth-answer.js';
import { parseAuthMode } from './auth-mode.js';
import { cookieSettingsFrom } from './cookie-settings.js';
import { MAX_REFRESH_TOKEN_LENGTH, presentedRefreshToken } from './presented-refresh-token.js';
import { codeOf } from '../testing/code-of.js';

const settings = cookieSettingsFrom({
  REFRESH_TOKEN_COOKIE_NAME: 'rt',
  SESSION_COOKIE_NAME: 'st',
  COOKIE_SAME_SITE: 'lax',
  PUBLIC_URL: 'https://gate.example',
});

describe('parseAuthMode', () => {
  it('defaults to json and accepts json, cookie and session', () => {
    expect(parseAuthMode(undefined)).toBe('json');
    expect(parseAuthMode(null)).toBe('json');
    for (const m of ['json', 'cookie', 'session'] as const) expect(parseAuthMode(m)).toBe(m);
  });
  it.each(['jwt', '', 'JSON', 1, ['json'], { mode: 'json' }])('refuses %p with INVALID_PAYLOAD', (m) => {
    expect(codeOf(() => parseAuthMode(m))).toBe('INVALID_PAYLOAD');
  });
});

describe('cookieSettingsFrom', () => {
  it('makes cookies Secure when PUBLIC_URL is https unless COOKIE_SECURE says otherwise', () => {
    expect(settings.secure).toBe(true);
    const base = { REFRESH_TOKEN_COOKIE_NAME: 'rt', SESSION_COOKIE_NAME: 'st', COOKIE_SAME_SITE: 'lax' as const };
    expect(cookieSettingsFrom({ ...base, PUBLIC_URL: 'http://127.0.0.1:9200' }).secure).toBe(false);
    expect(cookieSettingsFrom({ ...base, PUBLIC_URL: 'https://x.example', COOKIE_SECURE: 'false' }).secure).toBe(false);
  });
});

describe('presentedRefreshToken', () => {
  const jar = { rt: 'from-refresh-cookie', st: 'from-session-cookie' };
  it('takes the payload first, then the cookie of the mode, then the other auth cookie', () => {
    expect(presentedRefreshToken('given', jar, 'json', settings)).toBe('given');
    expect(presentedRefreshToken(undefined, jar, 'cookie', settings)).toBe('from-refresh-cookie');
    expect(presentedRefreshToken(null, jar, 'session', settings)).toBe('from-session-cookie');
    expect(presentedRefreshToken(undefined, { st: 'only-session' }, 'cookie', settings)).toBe('only-session');
  });

  it('never reads a cookie to refresh in json mode (its token would land in the JSON body), but a logout may', () => {
    expect(codeOf(() => presentedRefreshToken(undefined, jar, 'json', settings))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => presentedRefreshToken(undefined, jar, 'json', settings, 'refresh'))).toBe('INVALID_PAYLOAD');
    expect(presentedRefreshToken(undefined, { st: 'only-session' }, 'json', settings, 'logout')).toBe('only-session');
  });
  it('refuses a payload token that is not a non-empty string, or is longer than the limit', () => {
    for (const bad of ['', 42, ['t'], 'a'.repeat(MAX_REFRESH_TOKEN_LENGTH + 1)])
      expect(codeOf(() => presentedRefreshToken(bad, jar, 'json', settings))).toBe('INVALID_PAYLOAD');
  });
  it('is INVALID_PAYLOAD when neither the payload nor a cookie carries one (empty or oversized cookies ignored)', () => {
    expect(codeOf(() => presentedRefreshToken(undefined, undefined, 'json', settings))).toBe('INVALID_PAYLOAD');
    expect(codeOf(() => presentedRefreshToken(undefined, { rt: '', st: 'x'.repeat(600) }, 'session', settings))).toBe('INVALID_PAYLOAD');
  });
});

describe('authAnswer', () => {
  const now = 1_000_000;
  const t = {
    access_token: 'at',
    access_token_expires_at_ms: now + 900_000,
    refresh_token: 'rt-value',
    refresh_token_expires_at_ms: now + 7_000,
  };
  it('json: both tokens in the body, no cookie', () => {
    expect(authAnswer('json', t, settings, now)).toEqual({ data: { access_token: 'at', expires: 900_000, refresh_token: 'rt-value' } });
  });
  it('cookie: the refresh token leaves the body for the refresh cookie', () => {
    expect(authAnswer('cookie', t, settings, now)).toEqual({
      data: { access_token: 'at', expires: 900_000 },
      cookie: { name: 'rt', value: 'rt-value', maxAgeMs: 7_000 },
    });
  });
  it('session: neither token in the body, the session cookie only', () => {
    expect(authAnswer('session', t, settings, now)).toEqual({
      data: { expires: 900_000 },
      cookie: { name: 'st', value: 'rt-value', maxAgeMs: 7_000 },
    });
  });
  it('never answers a negative expires', () => {
    expect(authAnswer('json', t, settings, now + 2_000_000).data.expires).toBe(0);
  });
});
