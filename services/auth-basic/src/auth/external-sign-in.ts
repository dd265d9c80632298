import { GatehouseError, type Logger } from '@gatehouse/shared';
import { decideExternalSignIn, type ExternalSignInRequest } from '../domain/external-sign-in.js';
import { LOCAL_PROVIDER, normalizeEmail, parseProvider, type UserRecord } from '../domain/user.js';
import type { UserStore } from '../store/user-store.js';
import type { UserAdministration } from './user-administration.js';

export interface ExternalSignInInput {
  provider: unknown;
  external_id: unknown;
  email: unknown;
  email_verified: unknown;
  name: unknown;
  allow_registration: unknown;
  default_role: unknown;
}

const MAX_EXTERNAL_ID = 1024;
const MAX_NAME = 256;

function parse(input: ExternalSignInInput): ExternalSignInRequest {
  const provider = parseProvider(input.provider);
  if (provider === LOCAL_PROVIDER)
    throw new GatehouseError('INVALID_PAYLOAD', { message: '"provider" must be an SSO provider.', extensions: { field: 'provider' } });
  const externalId = input.external_id;
  if (typeof externalId !== 'string' || externalId === '' || externalId.length > MAX_EXTERNAL_ID)
    throw new GatehouseError('INVALID_PAYLOAD', { message: '"external_id" is required.', extensions: { field: 'external_id' } });
  let email: string | undefined;
  try {
    email = input.email === undefined || input.email === '' ? undefined : normalizeEmail(input.email);
  } catch {
    email = undefined; // a provider's odd e-mail claim is no e-mail: it neither links nor registers
  }
  const name =
    typeof input.name === 'string'
      ? input.name
          .replace(/\p{Cc}/gu, '')
          .trim()
          .slice(0, MAX_NAME)
      : '';
  const role = typeof input.default_role === 'string' && input.default_role !== '' ? input.default_role : undefined;
  return {
    provider,
    external_id: externalId,
    email,
    email_verified: input.email_verified === true,
    name,
    allow_registration: input.allow_registration === true,
    default_role: role,
  };
}

/**
 * Sign-in with an external identity (auth-bearer calls it after an SSO callback): applies
 * decideExternalSignIn and carries it out. A concurrent first sign-in of the same person loses a
 * SET NX race (CONFLICT) and decides again with what the winner wrote.
 */
export class ExternalSignIn {
  constructor(private readonly deps: { users: UserStore; directory: UserAdministration; logger: Logger }) {}

  async signIn(input: ExternalSignInInput): Promise<UserRecord> {
    const req = parse(input);
    const identity = { provider: req.provider, external_id: req.external_id };
    for (let attempt = 0; ; attempt++) {
      const linked = await this.deps.users.getByIdentity(identity);
      const byEmail = !linked && req.email ? await this.deps.users.getByEmail(req.email) : null;
      const decision = decideExternalSignIn(req, linked, byEmail);
      try {
        if (decision.action === 'enter') return decision.user;
        if (decision.action === 'link') {
          const user = await this.deps.users.linkIdentity(decision.user.id, identity);
          this.deps.logger.info({ user_id: user.id, provider: req.provider }, 'external identity linked to an existing account');
          return user;
        }
        return await this.register(req);
      } catch (err) {
        if (err instanceof GatehouseError && err.code === 'CONFLICT' && attempt < 2) continue;
        if (err instanceof GatehouseError && err.code === 'CONFLICT')
          throw new GatehouseError('INVALID_PROVIDER', { detail: err.detail ?? 'identity conflict' });
        throw err;
      }
    }
  }

  private async register(req: ExternalSignInRequest): Promise<UserRecord> {
    const created = await this.deps.directory.create({
      email: req.email,
      name: req.name,
      provider: req.provider,
      roles: req.default_role ? [req.default_role] : [],
    });
    try {
      const user = await this.deps.users.linkIdentity(created.id, { provider: req.provider, external_id: req.external_id });
      this.deps.logger.info({ user_id: user.id, provider: req.provider }, 'account created for an external identity');
      return user;
    } catch (err) {
      await this.deps.users.delete(created);
      throw err;
    }
  }

  /** The account an identity is linked to; NOT_FOUND when none. */
  async findByIdentity(provider: unknown, externalId: unknown): Promise<UserRecord> {
    if (typeof externalId !== 'string' || externalId === '' || externalId.length > MAX_EXTERNAL_ID)
      throw new GatehouseError('INVALID_PAYLOAD', { message: '"external_id" is required.', extensions: { field: 'external_id' } });
    const u = await this.deps.users.getByIdentity({ provider: parseProvider(provider), external_id: externalId });
    if (!u) throw new GatehouseError('NOT_FOUND', { message: 'User not found.' });
    return u;
  }
}
