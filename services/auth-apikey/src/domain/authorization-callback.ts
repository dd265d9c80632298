import type { Clock } from '@gatehouse/shared/clock';
import { GatehouseError } from '@gatehouse/shared/errors';
import type { AuditSink } from '@gatehouse/shared/events';
import { allowedRedirect } from '@gatehouse/shared/redirects';
import type { UserDirectory } from '@gatehouse/shared/users';
import { changeKey } from './change-key.js';
import { grantFrom } from './grant-due.js';
import { isCreator } from './identity-match.js';
import { KEY_ERRORS, keyErrorText } from './key-error.js';
import {
  IdpError,
  type ApiKeyRecord,
  type IdentityProvider,
  type KeyRepository,
  type KeyStatus,
  type PendingAuthorizations,
} from './ports.js';

export interface CallbackOptions {
  /** AUTH_APIKEY_OIDC_IDENTITY_CLAIM: how the IdP's person is matched with the key's creator. */
  identityClaim: 'sub' | 'email';
  /** AUTH_APIKEY_GRANT_MAX_AGE. */
  grantMaxAgeMs: number;
  /** AUTH_APIKEY_REDIRECT_ALLOW_LIST, checked again: the list may have shrunk since the key was created. */
  redirectAllowList: string[];
}

export interface CallbackDeps {
  keys: KeyRepository;
  pending: PendingAuthorizations;
  idp: IdentityProvider;
  users: UserDirectory;
  audit: AuditSink;
  clock: Clock;
}

/** Where the browser goes, and what became of the key (null: the authorization was stale, the key untouched). */
export interface CallbackOutcome {
  keyId: string;
  status: KeyStatus | null;
  redirect: string;
}

const MAX_STATE_LENGTH = 512;

/**
 * `GET /apikey/oauthcallback?code=…&state=…`: finds the key by its single-use state, exchanges the
 * code (PKCE), checks that the person who signed in at the IdP is the key's creator, stores the grant
 * and turns the key READY, or ERROR with the reason. An unknown, expired or replayed state is
 * INVALID_REQUEST and changes nothing.
 */
export class KeyAuthorization {
  constructor(
    private readonly deps: CallbackDeps,
    private readonly opts: CallbackOptions,
  ) {}

  async complete(params: URLSearchParams): Promise<CallbackOutcome> {
    const states = params.getAll('state');
    const state = states[0];
    if (states.length !== 1 || !state || state.length > MAX_STATE_LENGTH)
      throw new GatehouseError('INVALID_REQUEST', { message: 'The authorization callback needs exactly one state.' });
    const pending = await this.deps.pending.take(state);
    if (!pending) throw new GatehouseError('INVALID_REQUEST', { message: 'Unknown, expired or already used authorization state.' });
    const redirect = pending.redirect === '' ? '' : (allowedRedirect(pending.redirect, this.opts.redirectAllowList) ?? '');
    const done = (status: KeyStatus | null): CallbackOutcome => ({ keyId: pending.key_id, status, redirect });

    // The authorization is for one generation of the key, while it waits for it; anything else is stale.
    const waiting = (r: ApiKeyRecord) =>
      r.user_id === pending.user_id && r.generation === pending.generation && r.status === 'UNAUTHORIZED';
    const found = await this.deps.keys.get(pending.key_id);
    if (!found || !waiting(found.record)) return done(null);
    const fail = async (error: string): Promise<CallbackOutcome> => {
      const r = await changeKey(this.deps.keys, pending.key_id, (cur) => (waiting(cur) ? { ...cur, status: 'ERROR', error } : null), found);
      await this.deps.audit.record({
        action: 'api_key.authorization_failed',
        actor: pending.user_id,
        subject: pending.user_id,
        key_id: pending.key_id,
        error,
      });
      return done(r ? 'ERROR' : null);
    };

    const idpError = params.get('error');
    if (idpError !== null) return fail(keyErrorText(idpError));
    let tokens;
    try {
      tokens = await this.deps.idp.exchangeCode(params, { state, codeVerifier: pending.code_verifier, nonce: pending.nonce });
    } catch (err) {
      if (!(err instanceof IdpError)) throw err;
      return fail(err.kind === 'unavailable' ? KEY_ERRORS.idpUnavailable : keyErrorText(err.code));
    }

    const creator = await this.deps.users.getUser({ id: pending.user_id });
    if (!creator || creator.status !== 'active') return fail(KEY_ERRORS.creatorInactive);
    if (!isCreator(tokens, creator, this.opts.identityClaim)) {
      // Nobody authorizes a key someone else created: no grant is kept.
      await this.deps.audit.record({
        action: 'api_key.identity_mismatch',
        actor: `idp:${tokens.subject}`,
        subject: pending.user_id,
        key_id: pending.key_id,
      });
      return fail(KEY_ERRORS.identityMismatch);
    }
    if (!tokens.refreshToken) return fail(KEY_ERRORS.noRefreshToken);

    const grant = grantFrom(tokens.subject, tokens.refreshToken, tokens.expiresInSec, this.deps.clock.now(), this.opts.grantMaxAgeMs);
    const ready = await changeKey(
      this.deps.keys,
      pending.key_id,
      (cur) => (waiting(cur) ? { ...cur, status: 'READY', error: '', grant } : null),
      found,
    );
    if (!ready) return done(null);
    await this.deps.audit.record({
      action: 'api_key.authorized',
      actor: pending.user_id,
      subject: pending.user_id,
      key_id: pending.key_id,
    });
    return done('READY');
  }
}
