import {
  API_KEY_REVOCATIONS,
  AuditPublisher,
  CredentialRevocationPublisher,
  MemoryBus,
  MemoryStore,
  createLogger,
  deriveKey,
} from '@gatehouse/shared';
import { FakeClock, MemoryUserDirectory } from '@gatehouse/shared/testing';
import { ApiKeys, type IssuedKey } from '../../src/domain/api-keys.js';
import { KeyAuthorization } from '../../src/domain/authorization-callback.js';
import { KeyExchange } from '../../src/domain/key-exchange.js';
import { KvKeyRepository } from '../../src/store/kv-key-repository.js';
import { KvLocks } from '../../src/store/kv-locks.js';
import { KvPendingAuthorizations } from '../../src/store/kv-pending-authorizations.js';
import { KvRateLimiter } from '../../src/store/kv-rate-limiter.js';
import { FakeIdp } from './fake-idp.js';
import { RecordingMinter } from './recording-minter.js';

export const MIN = 60_000;
export const SECRET = 's'.repeat(40);
const logger = createLogger({ service: 'auth-apikey', level: 'silent' });

/** The API-key rules on the memory store with a fake clock, an in-process IdP, directory and minter. */
export function setupDomain(
  opts: {
    maxKeysPerUser?: number;
    perKey?: number;
    perAddress?: number;
    identityClaim?: 'sub' | 'email';
    callbackAllowList?: string[];
  } = {},
) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const store = new MemoryStore(clock);
  const bus = new MemoryBus();
  const events: Array<{ subject: string; payload: Record<string, unknown> }> = [];
  bus.subscribe('gatehouse.>', (payload, subject) => void events.push({ subject, payload }));
  const users = new MemoryUserDirectory();
  const alice = users.add({ id: 'u-alice', email: 'alice@example.org', roles: ['user'] });
  const bob = users.add({ id: 'u-bob', email: 'bob@example.org' });
  const idp = new FakeIdp();
  const minter = new RecordingMinter();
  const repo = new KvKeyRepository(store, clock, deriveKey(SECRET, 'api-key-grants'));
  const pending = new KvPendingAuthorizations(store, deriveKey(SECRET, 'api-key-pending'), 10 * MIN);
  const revocations = new CredentialRevocationPublisher({ store, bus, clock, logger }, API_KEY_REVOCATIONS, 15 * MIN);
  const audit = new AuditPublisher(bus, clock, logger, 'auth-apikey');
  const digestKey = deriveKey(SECRET, 'api-keys');
  const keys = new ApiKeys(
    { keys: repo, pending, idp, users, revocations, audit, clock },
    {
      digestKey,
      allowedScopes: ['read:things', 'write:things'],
      redirectAllowList: ['https://app.example/keys'],
      maxKeysPerUser: opts.maxKeysPerUser ?? 50,
      maxNameLength: 200,
    },
  );
  const authorization = new KeyAuthorization(
    { keys: repo, pending, idp, users, audit, clock },
    {
      identityClaim: opts.identityClaim ?? 'sub',
      grantMaxAgeMs: 60 * MIN,
      redirectAllowList: opts.callbackAllowList ?? ['https://app.example/keys'],
    },
  );
  const exchange = new KeyExchange(
    {
      keys: repo,
      idp,
      users,
      minter,
      revocations,
      limiter: new KvRateLimiter(store, clock, MIN),
      locks: new KvLocks(store, 15_000),
      clock,
    },
    {
      digestKey,
      perKeyLimit: opts.perKey ?? 60,
      perAddressLimit: opts.perAddress ?? 600,
      lastUsedIntervalMs: MIN,
      grantMaxAgeMs: 60 * MIN,
    },
  );

  const stateOf = (issued: IssuedKey) => new URL(issued.authorizeURL).searchParams.get('state')!;
  /** The creator (or `as`) signs in at the IdP and the browser comes back to the callback. */
  const authorize = async (issued: IssuedKey, as = issued.record.user_id) => authorization.complete(idp.signIn(stateOf(issued), as));
  const create = (userId = 'u-alice', input: Partial<{ name: string; scopes: string[]; finalFrontendRedirect: string }> = {}) =>
    keys.create(userId, { name: 'ci', scopes: ['read:things'], finalFrontendRedirect: '/settings/api-keys', ...input });
  const ready = async (userId = 'u-alice', input: Partial<{ name: string; scopes: string[] }> = {}) => {
    const issued = await create(userId, input);
    await authorize(issued);
    return issued;
  };
  return {
    clock,
    store,
    bus,
    events,
    users,
    alice,
    bob,
    idp,
    minter,
    repo,
    keys,
    authorization,
    exchange,
    stateOf,
    authorize,
    create,
    ready,
    revocations: () => events.filter((e) => e.subject === 'gatehouse.revoked.apikey').map((e) => e.payload),
    done: () => store.close(),
  };
}
