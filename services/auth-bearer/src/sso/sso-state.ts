import { GatehouseError, decrypt, deriveKey, encrypt } from '@gatehouse/shared';

/** What a login keeps between GET /auth/login/:provider and its callback. */
export interface SsoState {
  provider: string;
  state: string;
  /** Absent for oauth2 providers (no ID token). */
  nonce?: string;
  codeVerifier: string;
  /** Where the browser goes afterwards (already vetted: a relative path, allow-listed, or PUBLIC_URL). */
  redirect: string;
  /** Epoch ms. */
  expiresAt: number;
}

const invalid = (detail: string) => new GatehouseError('INVALID_CREDENTIALS', { detail });

/**
 * The SSO state cookie's value: AES-256-GCM under a key derived from GATEHOUSE_SECRET, bound to the
 * provider (additional data), so it is both signed and unreadable (the PKCE verifier stays secret).
 */
export class SsoStateSealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = deriveKey(secret, 'sso-state');
  }

  seal(s: SsoState): string {
    return encrypt(this.key, JSON.stringify(s), `sso-state:${s.provider}`);
  }

  /** The state of a login through `provider`; INVALID_CREDENTIALS when missing, tampered with, foreign or expired. */
  open(provider: string, sealed: unknown, now: number): SsoState {
    if (typeof sealed !== 'string' || sealed === '' || sealed.length > 4096) throw invalid('no SSO state cookie');
    let s: SsoState;
    try {
      s = JSON.parse(decrypt(this.key, sealed, `sso-state:${provider}`).toString('utf8')) as SsoState;
    } catch {
      throw invalid('SSO state cookie does not open (tampered with, or another provider)');
    }
    if (s.provider !== provider) throw invalid('SSO state of another provider');
    if (typeof s.expiresAt !== 'number' || now >= s.expiresAt) throw invalid('SSO state expired');
    return s;
  }
}
