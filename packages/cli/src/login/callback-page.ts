import { html, renderHtml } from '@gatehouse/shared';

/** What the loopback listener answers the browser. */
export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A small page with no script, no link and no outside resource: CSP `default-src 'none'`, and no
 * Referrer (the address bar holds the authorization code), never cached.
 */
export function callbackPage(status: number, title: string, text: string): Page {
  const body = renderHtml(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1><p>${text}</p></body></html>
`);
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}
