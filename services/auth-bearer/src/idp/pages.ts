import { randomBytes } from 'node:crypto';
import { html, renderHtml, trusted, type SafeHtml } from '@gatehouse/shared';

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
main{max-width:24rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin-top:1rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #888;border-radius:.25rem}
input:focus,button:focus{outline:3px solid #1a5fd0;outline-offset:2px}
button{margin-top:1.25rem;margin-right:.5rem;padding:.6rem 1.2rem;font:inherit;color:#fff;background:#1a5fd0;border:0;border-radius:.25rem;cursor:pointer}
button.secondary{background:#5b6472}.hint{font-weight:400;color:#4b5360;font-size:.9rem}
.error{margin-top:1rem;padding:.6rem;border-radius:.25rem;background:#fde8e8;color:#8a1111}
`;

export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A page of the built-in provider: no script at all, one nonce'd style element, nothing else may
 * load or frame it, no referrer, never cached. `formTargets` are the only places its forms (and
 * the redirects that follow a submission, which browsers also check) may go: the page's own origin
 * and the client's redirect URI.
 */
export function page(p: { status?: number; title: string; body: SafeHtml; formTargets?: string[] }): Page {
  const nonce = randomBytes(18).toString('base64');
  const formAction = ["'self'", ...(p.formTargets ?? [])].join(' ');
  const doc = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${p.title} · Gatehouse</title>
        <style nonce="${nonce}">
          ${trusted(STYLE)}
        </style>
      </head>
      <body>
        <main>${p.body}</main>
      </body>
    </html>`;
  return {
    status: p.status ?? 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Opener-Policy': 'same-origin',
    },
    body: renderHtml(doc),
  };
}

/** The CSP source for a redirect URI: its origin (http/https) or its private-use scheme. */
export function formTargetOf(redirectUri: unknown): string[] {
  if (typeof redirectUri !== 'string') return [];
  try {
    const u = new URL(redirectUri);
    if (u.protocol === 'http:' || u.protocol === 'https:') return [u.origin];
    return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) ? [u.protocol] : [];
  } catch {
    return [];
  }
}

export function loginPage(p: {
  action: string;
  abort: string;
  clientName: string;
  email: string;
  error?: string | undefined;
  askOtp: boolean;
  formTargets: string[];
  status?: number;
}): Page {
  const otp = p.askOtp
    ? html`<label for="otp">One-time code <span class="hint">(from your authenticator app, or a recovery code)</span></label>
        <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="64" required autofocus />`
    : html`<label for="otp">One-time code <span class="hint">(only if two-factor authentication is on)</span></label>
        <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="64" />`;
  return page({
    status: p.status,
    title: 'Sign in',
    formTargets: p.formTargets,
    body: html`<h1>Sign in to continue to ${p.clientName}</h1>
      ${p.error ? html`<p class="error" role="alert">${p.error}</p>` : html``}
      <form method="post" action="${p.action}">
        <label for="email">E-mail</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="username"
          required
          value="${p.email}"
          ${p.askOtp ? html`` : html`autofocus`}
        />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        ${otp}
        <button type="submit">Sign in</button>
      </form>
      <form method="post" action="${p.abort}"><button type="submit" class="secondary">Cancel</button></form>`,
  });
}

export function consentPage(p: {
  action: string;
  abort: string;
  clientName: string;
  email: string;
  scopes: string[];
  formTargets: string[];
}): Page {
  return page({
    title: 'Allow access',
    formTargets: p.formTargets,
    body: html`<h1>Allow ${p.clientName} to act as ${p.email}?</h1>
      <p>It asks for: ${p.scopes.length > 0 ? p.scopes.join(', ') : 'your identity'}.</p>
      <p class="hint">It gets an access token for your Gatehouse account. You can end it any time in your sessions.</p>
      <form method="post" action="${p.action}"><button type="submit" autofocus>Allow</button></form>
      <form method="post" action="${p.abort}"><button type="submit" class="secondary">Deny</button></form>`,
  });
}

export function errorPage(status: number, message: string): Page {
  return page({
    status,
    title: 'Sign-in failed',
    body: html`<h1>Sign-in failed</h1>
      <p class="error" role="alert">${message}</p>`,
  });
}
