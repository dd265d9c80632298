import { authenticator } from 'otplib';

export const TOTP_STEP_MS = 30_000;
/** ±1 step: a code from the previous or next 30 s window still counts (clock drift). */
export const TOTP_WINDOW = 1;

export function generateTotpSecret(): string {
  return authenticator.generateSecret(20);
}

export function totpUri(secret: string, account: string, issuer: string): string {
  return authenticator.keyuri(account, issuer, secret);
}

/** The code for `secret` at `nowMs` (tests, and nothing else). */
export function totpCode(secret: string, nowMs: number): string {
  return authenticator.clone({ epoch: nowMs }).generate(secret);
}

/**
 * The absolute time step the code matches within ±1 step of `nowMs`, or null. The caller marks
 * the step used so that a code (or any earlier code of the window) cannot be replayed.
 */
export function matchTotpStep(code: string, secret: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = authenticator.clone({ epoch: nowMs, window: TOTP_WINDOW }).checkDelta(code, secret);
  if (delta === null) return null;
  return Math.floor(nowMs / TOTP_STEP_MS) + delta;
}

/** Recovery codes look like `xxxxx-xxxxx` (base32, 50 bits), easy to type, never 6 digits. */
export function isRecoveryCodeShape(code: string): boolean {
  return /^[a-z2-7]{5}-[a-z2-7]{5}$/.test(code.trim().toLowerCase());
}
