import type { DirectoryUser } from '@gatehouse/shared/users';
import type { IdpTokens } from './ports.js';

/**
 * Whether the person who signed in at the IdP is the key's creator. `sub` (the default): the IdP's
 * subject is the Gatehouse user id, as with the built-in IdP. `email`: the IdP asserts a verified
 * email equal (ignoring case) to the creator's. Nobody can authorize a key someone else created.
 */
export function isCreator(tokens: IdpTokens, creator: DirectoryUser, claim: 'sub' | 'email'): boolean {
  if (claim === 'sub') return tokens.subject !== '' && tokens.subject === creator.id;
  return (
    tokens.emailVerified === true &&
    typeof tokens.email === 'string' &&
    creator.email !== '' &&
    tokens.email.toLowerCase() === creator.email.toLowerCase()
  );
}
