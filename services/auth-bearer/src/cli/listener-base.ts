/**
 * The base URL of a listener bound to `host` (AUTH_BEARER_HTTP_ADDR's host) on `port`, as seen from
 * this host: auth-bearer reaches its own built-in IdP there, never through PUBLIC_URL, which often
 * does not route from inside the deployment (the IdP still sees PUBLIC_URL's scheme and host).
 */
export function listenerBase(host: string, port: number): string {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === '' || h === '0.0.0.0') return `http://127.0.0.1:${port}`;
  if (h === '::') return `http://[::1]:${port}`;
  return h.includes(':') ? `http://[${h}]:${port}` : `http://${h}:${port}`;
}
