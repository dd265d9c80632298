/**
 * A scripted browser for tests of redirect-and-form flows (the built-in OpenID Provider's login
 * and consent pages): a cookie jar honouring Path, Max-Age/Expires deletion, and redirects followed
 * by hand so a test sees every hop and can stop at a callback it owns.
 */
export class TestBrowser {
  private readonly jar = new Map<string, { value: string; path: string; origin: string }>();

  private cookieHeader(url: URL): string {
    return [...this.jar.entries()]
      .filter(
        ([, c]) =>
          c.origin === url.origin && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
      )
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = '/';
      let gone = value === '';
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k!.toLowerCase();
        if (key === 'path') path = v;
        if (key === 'max-age' && Number(v) <= 0) gone = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) gone = true;
      }
      if (gone) this.jar.delete(name);
      else this.jar.set(name, { value, path, origin: url.origin });
    }
  }

  /** The names of the cookies held now. */
  cookieNames(): string[] {
    return [...this.jar.keys()];
  }

  /** One request, no redirect followed. */
  async request(
    url: string | URL,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; via?: string } = {},
  ): Promise<Response> {
    const u = new URL(url);
    // `via`: another server answering for the same origin (a second instance behind one name).
    const target = init.via ? new URL(u.pathname + u.search, init.via) : u;
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const method = init.method ?? (init.form ? 'POST' : 'GET');
    // As a browser does for a form of the page it shows (same origin): the proxy's CSRF rule reads it.
    if (method !== 'GET' && method !== 'HEAD' && !Object.keys(headers).some((k) => k.toLowerCase() === 'origin')) headers.origin = u.origin;
    const res = await fetch(target, {
      method,
      headers,
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
      redirect: 'manual',
    });
    this.store(u, res);
    return res;
  }

  /**
   * Follows redirects from `res` (GET, as browsers do after 302/303) until a page that is not a
   * redirect, or a Location for which `stop` holds (returned unfetched, e.g. a client's callback).
   */
  async follow(
    from: string | URL,
    res: Response,
    stop: (location: URL) => boolean = () => false,
    max = 10,
  ): Promise<{ url: URL; res: Response | undefined }> {
    let url = new URL(from);
    for (let i = 0; i < max; i++) {
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) return { url, res };
      url = new URL(loc, url);
      if (stop(url)) return { url, res: undefined };
      await res.text();
      res = await this.request(url);
    }
    throw new Error(`more than ${max} redirects`);
  }
}
