/**
 * Whether a session-less token issued at `iatSec` (JWT `iat`, whole seconds) is void under the
 * user-wide revocation at `notBeforeMs`. Compared at the issue time's precision: a token minted
 * later in the very second of a "revoke all" (the login right after a password change) stays valid,
 * while every token of an earlier second is void.
 */
export function revokedByUserNotBefore(iatSec: number, notBeforeMs: number | null): boolean {
  return notBeforeMs !== null && iatSec < Math.floor(notBeforeMs / 1000);
}
