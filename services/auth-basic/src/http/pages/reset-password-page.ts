import { Router } from 'express';
import { html, sendPage, type SafeHtml } from './html.js';
import { LOGIN_PAGE_PATH } from './login-page.js';

/** Longest token the page carries into its form (POST /auth/password/reset refuses longer ones too). */
const MAX_TOKEN_LENGTH = 256;

// The token is read into the form, then dropped from the address bar and the history entry, so it
// does not linger on screen or in the browser's history (Referrer-Policy already keeps it off
// other requests). Password reasons come from the policy's `extensions.reason`.
const SCRIPT = `
const reset = document.getElementById('reset');
const status = document.getElementById('reset-status');
if (reset) {
  history.replaceState(null, '', location.pathname);
  const f = reset.elements;
  reset.querySelector('button').disabled = false;
  reset.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (f.password.value !== f.confirm.value) {
      say(status, 'The two passwords do not match.', 'error');
      return f.confirm.focus();
    }
    void busy(reset, async () => {
      const r = await post('/auth/password/reset', { token: f.token.value, password: f.password.value });
      if (r.ok) {
        reset.hidden = true;
        document.getElementById('done').hidden = false;
        return;
      }
      const invalidLink = () => 'This reset link is invalid, has already been used or has expired. Ask for a new one from the sign-in page.';
      say(status, messageFor(r, {
        FAILED_VALIDATION: (x) => ({
          too_short: 'This password is too short: use at least ' + f.password.minLength + ' characters.',
          too_long: 'This password is too long: use at most ' + f.password.maxLength + ' characters.',
          too_common: 'This password is too common. Choose one that is harder to guess.',
        })[x.reason] || 'This password is not accepted. Choose another one.',
        INVALID_TOKEN: invalidLink,
        INVALID_PAYLOAD: invalidLink,
      }), 'error');
    });
  });
}
`;

/**
 * GET <PASSWORD_RESET_PATH>?token=…: the page a reset e-mail links to. A form for the new password
 * (twice) that calls POST /auth/password/reset; the token travels in a hidden field, escaped.
 * Without a usable token it says so and points to the sign-in page. The token is never logged.
 */
export function resetPasswordPage(opts: { path: string; minLength: number; maxLength: number }): Router {
  const r = Router();
  r.get(opts.path, (req, res) => {
    const token = req.query.token;
    const usable = typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH;
    sendPage(res, { title: 'Reset your password', script: SCRIPT, body: usable ? form(token, opts) : incomplete() });
  });
  return r;
}

function form(token: string, opts: { minLength: number; maxLength: number }): SafeHtml {
  return html`<h1>Choose a new password</h1>
<form id="reset" method="post">
<input type="hidden" name="token" value="${token}">
<label for="password">New password <span class="hint">(${opts.minLength} to ${opts.maxLength} characters)</span></label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${opts.minLength}" maxlength="${opts.maxLength}" required autofocus>
<label for="confirm">Repeat the new password</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="${opts.minLength}" maxlength="${opts.maxLength}" required>
<button type="submit" disabled>Change password</button>
<p id="reset-status" class="status" role="alert"></p>
</form>
<div id="done" hidden>
<p class="status ok" role="status">Your password has been changed, and every other session of your account has been signed out.</p>
<p><a href="${LOGIN_PAGE_PATH}">Sign in</a></p>
</div>`;
}

function incomplete(): SafeHtml {
  return html`<h1>Reset your password</h1>
<p class="status error" role="alert">This reset link is incomplete. Open the link from the e-mail again, or ask for a new one.</p>
<p><a href="${LOGIN_PAGE_PATH}">Go to the sign-in page</a></p>`;
}
