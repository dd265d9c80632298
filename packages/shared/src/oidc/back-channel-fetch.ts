/** What a back-channel fetch does with a URL outside the issuer. */
export type OutsideIssuer = 'pass' | 'refuse';

/**
 * A fetch for openid-client's back-channel requests (discovery, token, JWKS, userinfo) that sends
 * requests under `issuer` to the same path and query under `target` instead: the IdP reached inside
 * the deployment, where its public URL often does not route (containers, split DNS). The issuer
 * identifier, the browser's URLs and every check openid-client makes stay the public ones.
 * `target` may be a function, read per request (a listener whose port is known once it listens).
 * URLs outside the issuer are passed through (`pass`: an external IdP may serve its keys from
 * another host) or refused (`refuse`: an IdP that serves everything under its issuer).
 */
export function backChannelFetch(issuer: string, target: string | (() => string), outside: OutsideIssuer): typeof fetch {
  const from = issuer.replace(/\/+$/, '');
  const to = typeof target === 'string' ? () => target : target;
  const under = (url: string) => url === from || url.startsWith(`${from}/`) || url.startsWith(`${from}?`);
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (under(url)) return fetch(to().replace(/\/+$/, '') + url.slice(from.length), init);
    if (outside === 'pass') return fetch(input, init);
    return Promise.reject(new TypeError(`this client only talks to ${from}`));
  };
}
