import { gatehouseCookieNames, isGatehouseCookie } from '@gatehouse/shared';

/** Whether a cookie name is Gatehouse's own (session, refresh, SSO state, the built-in IdP's …). */
export type OwnsCookie = (name: string) => boolean;

/** The proxy's test for Gatehouse's cookie names, from the one list (packages/shared/src/http/cookie-names.ts). */
export function ownsCookieFrom(c: { REFRESH_TOKEN_COOKIE_NAME: string; SESSION_COOKIE_NAME: string }): OwnsCookie {
  const names = new Set(gatehouseCookieNames({ refreshCookieName: c.REFRESH_TOKEN_COOKIE_NAME, sessionCookieName: c.SESSION_COOKIE_NAME }));
  return (name) => isGatehouseCookie(name, names);
}

/** Name of a `name=value` pair, as cookie parsers read it (spaces and tabs around it trimmed; no `=`: empty). */
function pairName(pair: string): string {
  const i = pair.indexOf('=');
  return i === -1 ? '' : pair.slice(0, i).replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * A Cookie header without Gatehouse's cookies (every occurrence); the others pass unchanged, in
 * order. Undefined when none is left.
 */
export function withoutOwnCookies(header: string, owns: OwnsCookie): string | undefined {
  const kept = header.split(';').filter((pair) => pair.trim() !== '' && !owns(pairName(pair)));
  return kept.length > 0 ? kept.map((p) => p.replace(/^[ \t]+/, '')).join('; ') : undefined;
}

/** The cookie a Set-Cookie line sets when it is Gatehouse's (the upstream may not set it), else null. */
export function ownSetCookie(line: string, owns: OwnsCookie): string | null {
  const semi = line.indexOf(';');
  const name = pairName(semi === -1 ? line : line.slice(0, semi));
  return owns(name) ? name : null;
}

/** What a route's forwarding does with Gatehouse's cookies: undefined when the route passes them (passCookies). */
export interface CookieGuard {
  owns: OwnsCookie;
  /** Told of each upstream Set-Cookie dropped for naming a Gatehouse cookie. */
  refused(name: string): void;
}
