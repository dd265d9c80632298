import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { html, renderHtml, trusted, type SafeHtml } from '@gatehouse/shared';

export { escapeHtml, html, trusted, type SafeHtml } from '@gatehouse/shared';

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
main{max-width:24rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin-top:1rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #888;border-radius:.25rem}
input:focus,button:focus,summary:focus,a:focus{outline:3px solid #1a5fd0;outline-offset:2px}
button{margin-top:1.25rem;padding:.6rem 1.2rem;font:inherit;color:#fff;background:#1a5fd0;border:0;border-radius:.25rem;cursor:pointer}
button:disabled{background:#7d8794;cursor:default}.hint{font-weight:400;color:#4b5360;font-size:.9rem}
.status:empty{display:none}.status{margin-top:1rem;padding:.6rem;border-radius:.25rem}
.error{background:#fde8e8;color:#8a1111}.ok{background:#e6f4ea;color:#0d5323}details{margin-top:2rem}summary{cursor:pointer}
`;

/**
 * Shared by both pages' scripts: `post` calls a JSON endpoint and returns `{ok}` or
 * `{ok:false, code, reason, retryAfter}` from the Directus error body; `say` writes a status line
 * (textContent only: nothing from a response ever becomes markup); `messageFor` maps a code to a sentence.
 */
const CLIENT_HELPERS = `
async function post(url, body) {
  let res;
  try {
    res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    return { ok: false, code: 'NETWORK' };
  }
  if (res.ok) return { ok: true };
  const b = await res.json().catch(() => ({}));
  const ext = (b && b.errors && b.errors[0] && b.errors[0].extensions) || {};
  return { ok: false, code: String(ext.code || 'UNKNOWN'), reason: ext.reason, retryAfter: Number(res.headers.get('Retry-After')) || 0 };
}
function waitText(s) {
  s = Math.max(1, Math.ceil(s));
  return s < 90 ? s + (s === 1 ? ' second' : ' seconds') : Math.ceil(s / 60) + ' minutes';
}
function messageFor(r, own) {
  if (own[r.code]) return own[r.code](r);
  if (r.code === 'REQUESTS_EXCEEDED') return 'Too many attempts. Try again in ' + waitText(r.retryAfter) + '.';
  if (r.code === 'NETWORK') return 'The server could not be reached. Check your connection and try again.';
  return 'Something went wrong (' + r.code + '). Try again later.';
}
function say(el, text, kind) {
  el.textContent = text;
  el.className = 'status ' + kind;
}
async function busy(form, work) {
  const button = form.querySelector('button');
  button.disabled = true;
  try { await work(); } finally { button.disabled = false; }
}
`;

/**
 * Sends a complete page: a fresh CSP nonce per response for the one script and the one style
 * element, nothing else allowed to load, run, frame the page or receive the URL (the reset token
 * is in it) as a referrer, and nothing cached.
 */
export function sendPage(res: Response, page: { title: string; body: SafeHtml; script: string }): void {
  const nonce = randomBytes(18).toString('base64');
  res.set({
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${page.title} · Gatehouse</title>
<style nonce="${nonce}">${trusted(STYLE)}</style>
</head>
<body>
<main>
${page.body}
<noscript><p class="status error">This page needs JavaScript.</p></noscript>
</main>
<script nonce="${nonce}">${trusted(`(() => {\n'use strict';${CLIENT_HELPERS}${page.script}})();`)}</script>
</body>
</html>
`;
  res.send(renderHtml(doc));
}
