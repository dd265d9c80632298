import type { Route } from './routes-file.js';

/**
 * The SSO routes of every configured provider, generated from AUTH_PROVIDERS: `/auth/login/<name>`
 * (and below it: callback, back-channel logout) to auth-bearer, public, with Gatehouse's cookies
 * (the SSO state cookie; the callback sets the session cookie). `/auth/login` itself and
 * `/auth/login/local` stay with auth-basic through the routes file.
 */
export function providerRoutes(names: readonly string[], authBearer: string): Route[] {
  return names.map((name) => ({
    name: `auth-bearer:/auth/login/${name}`,
    match: 'prefix',
    path: `/auth/login/${name}`,
    methods: new Set(['GET', 'HEAD', 'POST']),
    upstream: new URL(authBearer),
    upstreamName: 'auth-bearer',
    public: true,
    scopes: [],
    roles: [],
    timeoutMs: undefined,
    passAuthorization: false,
    passCookies: true,
    websocket: false,
  }));
}
