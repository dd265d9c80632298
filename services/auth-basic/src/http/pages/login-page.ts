import { Router } from 'express';
import { safeRedirect } from '@gatehouse/shared';
import { html, sendPage } from './html.js';

/** Path of the page; the proxy sends browsers here (PROXY_LOGIN_URL) with `?redirect=<original path>`. */
export const LOGIN_PAGE_PATH = '/admin/login';

// Signs in with mode `session` (the session cookie only), then leaves for the redirect the server
// validated. The script checks its shape once more so that a page served by an older or a
// misconfigured build still cannot be turned into an open redirect.
const SCRIPT = `
const login = document.getElementById('login');
const loginStatus = document.getElementById('login-status');
let target = login.dataset.redirect || '/';
if (!/^\\/(?![\\/\\\\])/.test(target)) target = '/';
login.querySelector('button').disabled = false;
login.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = login.elements;
  const body = { email: f.email.value.trim(), password: f.password.value, mode: 'session' };
  if (f.otp.value.trim()) body.otp = f.otp.value.trim();
  void busy(login, async () => {
    say(loginStatus, 'Signing in…', 'ok');
    const r = await post('/auth/login', body);
    if (r.ok) return location.assign(target);
    say(loginStatus, messageFor(r, {
      INVALID_CREDENTIALS: () => 'Wrong e-mail or password.',
      INVALID_OTP: () => 'Enter the current code from your authenticator app (or a recovery code).',
      INVALID_PAYLOAD: () => 'Enter your e-mail and password.',
    }), 'error');
    if (r.code === 'INVALID_OTP') f.otp.focus();
  });
});
const forgot = document.getElementById('forgot');
const forgotStatus = document.getElementById('forgot-status');
forgot.querySelector('button').disabled = false;
forgot.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void busy(forgot, async () => {
    const r = await post('/auth/password/request', { email: forgot.elements.email.value.trim() });
    if (r.ok) return say(forgotStatus, 'If an account uses this address, a reset link is on its way. Check your e-mail.', 'ok');
    say(forgotStatus, messageFor(r, { INVALID_PAYLOAD: () => 'Enter a valid e-mail address.' }), 'error');
  });
});
`;

/**
 * GET /admin/login: sign-in form (e-mail, password, optional one-time code) and a "forgot password"
 * form. Submit buttons start disabled, so without the script nothing is ever sent (a bare form
 * submission would put nothing useful anywhere, least of all a password in a URL).
 */
export function loginPage(): Router {
  const r = Router();
  r.get(LOGIN_PAGE_PATH, (req, res) => {
    const redirect = safeRedirect(req.query.redirect);
    sendPage(res, {
      title: 'Sign in',
      script: SCRIPT,
      body: html`<h1>Sign in</h1>
<form id="login" method="post" data-redirect="${redirect}">
<label for="email">E-mail</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="otp">One-time code <span class="hint">(only if two-factor authentication is on)</span></label>
<input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="64">
<button type="submit" disabled>Sign in</button>
<p id="login-status" class="status" role="alert"></p>
</form>
<details>
<summary>Forgot your password?</summary>
<form id="forgot" method="post">
<label for="forgot-email">E-mail</label>
<input id="forgot-email" name="email" type="email" autocomplete="email" required>
<button type="submit" disabled>Send a reset link</button>
<p id="forgot-status" class="status" role="alert"></p>
</form>
</details>`,
    });
  });
  return r;
}
