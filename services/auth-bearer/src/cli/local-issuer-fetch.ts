/**
 * A fetch for openid-client that sends requests under `issuer` to the same path under `local()`
 * and refuses anything else. auth-bearer reaches its own built-in IdP on its own HTTP listener,
 * never through PUBLIC_URL: the public address often does not route from inside the deployment
 * (containers, split DNS), and the exchange has no reason to leave the host. The IdP still sees
 * PUBLIC_URL's scheme and host (BuiltinIdp sets them), so every URL and `iss` stays the public one.
 */
export function localIssuerFetch(issuer: string, local: () => string): typeof fetch {
  const from = issuer.replace(/\/+$/, '');
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url !== from && !url.startsWith(`${from}/`) && !url.startsWith(`${from}?`))
      return Promise.reject(new TypeError(`the built-in IdP's client only talks to ${from}`));
    return fetch(local() + url.slice(from.length), init);
  };
}

/** The base URL of a listener bound to `host` (AUTH_BEARER_HTTP_ADDR's host) on `port`, as seen from this host. */
export function listenerBase(host: string, port: number): string {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === '' || h === '0.0.0.0') return `http://127.0.0.1:${port}`;
  if (h === '::') return `http://[::1]:${port}`;
  return h.includes(':') ? `http://[${h}]:${port}` : `http://${h}:${port}`;
}
