import { GatehouseError } from '@gatehouse/shared/errors';
import { MemoryStore } from '@gatehouse/shared';
import { FakeClock, MemoryUserDirectory, codeOf } from '@gatehouse/shared/testing';
import { StoreKeyRing } from '../keys/store-key-ring.js';
import { SessionStore } from '../store/session-store.js';
import { AccessTokenIssuer } from './access-tokens.js';
import type { SessionEvents, SessionRecord } from './ports.js';
import { SessionService, type SessionPolicy } from './sessions.js';
import { TokenAuthority } from './token-authority.js';

// The session rules on the memory store and a fake clock: no Redis, NATS or gRPC.

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const SECRET = 's'.repeat(40);

/** SessionEvents that remembers what the rules announced. */
class RecordedEvents implements SessionEvents {
  readonly log: Array<[string, ...unknown[]]> = [];
  async sessionRevoked(sid: string, userId: string) {
    this.log.push(['sessionRevoked', sid, userId]);
  }
  async userRevoked(userId: string, notBefore: number) {
    this.log.push(['userRevoked', userId, notBefore]);
  }
  async accessTokenRevoked(jti: string, userId: string, retentionMs: number) {
    this.log.push(['accessTokenRevoked', jti, userId, retentionMs]);
  }
  async keysRotated(kid: string) {
    this.log.push(['keysRotated', kid]);
  }
  async audit(action: string, actor: string, subject: string) {
    this.log.push(['audit', action, actor, subject]);
  }
  async refreshTokenReused(session: SessionRecord) {
    this.log.push(['refreshTokenReused', session.id]);
  }
  named(name: string) {
    return this.log.filter(([n]) => n === name);
  }
}

function setup(policy: Partial<SessionPolicy> = {}) {
  // Mid-second, so that the issue-time precision cases below have room on both sides.
  const clock = new FakeClock(Date.UTC(2026, 0, 1) + 400);
  const store = new MemoryStore(clock);
  const events = new RecordedEvents();
  const users = new MemoryUserDirectory();
  users.add({ id: 'u1', roles: ['user'] });
  const sessions = new SessionService({
    sessions: new SessionStore(store),
    users,
    events,
    clock,
    secret: SECRET,
    policy: { refreshTtlMs: 7 * D, idleTtlMs: D, graceMs: 10 * S, maxSessionsPerUser: 3, retentionMs: 16 * M, ...policy },
  });
  const keys = new StoreKeyRing({ store, clock, secret: SECRET, alg: 'ES256', retentionMs: 16 * M, cacheTtlMs: 10 * S });
  const authority = new TokenAuthority({
    sessions,
    issuer: new AccessTokenIssuer({ keys, clock, issuer: 'https://gate.example', audience: 'gatehouse', defaultTtlMs: 15 * M }),
    keys,
    users,
    events,
    clock,
    opts: {
      issuer: 'https://gate.example',
      audience: 'gatehouse',
      allowedAudiences: [],
      clockSkewSec: 30,
      maxTokenBytes: 8192,
      mintMaxTtlMs: H,
      impersonationTtlMs: 5 * M,
      serviceAccounts: [],
    },
  });
  const open = (userId = 'u1') =>
    sessions.open({ user_id: userId, client_id: 'web', amr: ['pwd'], scopes: [], ip: '203.0.113.7', user_agent: 'test' });
  const ctx = { ip: '203.0.113.8', user_agent: 'test' };
  return { clock, store, events, users, sessions, keys, authority, open, ctx, done: () => store.close() };
}

describe('session rules (MemoryStore + FakeClock)', () => {
  describe('rotation', () => {
    it('hands out a new refresh token for the same session on every refresh, and records the use', async () => {
      const t = setup();
      const { session, refreshToken: t0 } = await t.open();
      t.clock.advance(5 * M);
      const r1 = await t.sessions.refresh(t0, t.ctx);
      t.clock.advance(5 * M);
      const r2 = await t.sessions.refresh(r1.refreshToken, t.ctx);
      expect(new Set([t0, r1.refreshToken, r2.refreshToken]).size).toBe(3);
      expect([r1.session.id, r2.session.id]).toEqual([session.id, session.id]);
      expect(r2.session.last_used_at).toBe(t.clock.now());
      expect(r2.session.ip).toBe('203.0.113.8');
      await t.done();
    });

    it('refuses a malformed or unknown refresh token without touching any session', async () => {
      const t = setup();
      await t.open();
      expect(await codeOf(t.sessions.refresh('not-a-token', t.ctx))).toBe('INVALID_TOKEN');
      expect(await codeOf(t.sessions.refresh('A'.repeat(43), t.ctx))).toBe('INVALID_TOKEN');
      expect(t.events.named('sessionRevoked')).toEqual([]);
      await t.done();
    });
  });

  describe('reuse detection', () => {
    it('revokes the whole family when a rotated token is presented after the grace window (RFC 9700 §4.14.2)', async () => {
      const t = setup();
      const { session, refreshToken: t0 } = await t.open();
      const r1 = await t.sessions.refresh(t0, t.ctx);
      t.clock.advance(10 * S + 1);
      expect(await codeOf(t.sessions.refresh(t0, t.ctx))).toBe('INVALID_TOKEN');
      // The legitimate holder's newer token dies with the family: the thief cannot keep either.
      expect(await codeOf(t.sessions.refresh(r1.refreshToken, t.ctx))).toBe('INVALID_TOKEN');
      expect(await t.sessions.get(session.id)).toBeNull();
      expect(t.events.named('sessionRevoked')).toEqual([['sessionRevoked', session.id, 'u1']]);
      expect(t.events.named('refreshTokenReused')).toEqual([['refreshTokenReused', session.id]]);
      await t.done();
    });

    it('treats a second presentation as reuse at once when the grace window is off', async () => {
      const t = setup({ graceMs: 0 });
      const { session, refreshToken: t0 } = await t.open();
      await t.sessions.refresh(t0, t.ctx);
      expect(await codeOf(t.sessions.refresh(t0, t.ctx))).toBe('INVALID_TOKEN');
      expect(await t.sessions.get(session.id)).toBeNull();
      await t.done();
    });
  });

  describe('grace window', () => {
    it('answers parallel refreshes of one token inside the window with the same successor, without revoking', async () => {
      const t = setup();
      const { session, refreshToken: t0 } = await t.open();
      const first = await t.sessions.refresh(t0, t.ctx);
      t.clock.advance(10 * S);
      const again = await t.sessions.refresh(t0, t.ctx);
      expect(again.refreshToken).toBe(first.refreshToken);
      expect(await t.sessions.get(session.id)).not.toBeNull();
      expect(t.events.named('refreshTokenReused')).toEqual([]);
      // The successor itself still rotates normally.
      expect(await codeOf(t.sessions.refresh(first.refreshToken, t.ctx))).toBe('OK');
      await t.done();
    });
  });

  describe('expiry', () => {
    it('ends a session unused for SESSION_IDLE_TTL', async () => {
      const t = setup();
      const { session, refreshToken } = await t.open();
      t.clock.advance(D);
      expect(await t.sessions.get(session.id)).toBeNull();
      expect(await codeOf(t.sessions.refresh(refreshToken, t.ctx))).toBe('TOKEN_EXPIRED');
      await t.done();
    });

    it('extends the idle end on every use, never past the absolute end', async () => {
      const t = setup();
      let { refreshToken } = await t.open();
      const opened = t.clock.now();
      for (let i = 0; i < 6; i++) {
        t.clock.advance(23 * H);
        const r = await t.sessions.refresh(refreshToken, t.ctx);
        refreshToken = r.refreshToken;
        expect(r.session.idle_expires_at).toBe(Math.min(t.clock.now() + D, opened + 7 * D));
      }
      await t.done();
    });

    it('ends a session at REFRESH_TOKEN_TTL however often it is used', async () => {
      const t = setup();
      const { session, refreshToken: t0 } = await t.open();
      let token = t0;
      // Used every 23 hours, so the idle end never comes first.
      while (t.clock.now() + 23 * H < session.expires_at) {
        t.clock.advance(23 * H);
        token = (await t.sessions.refresh(token, t.ctx)).refreshToken;
      }
      t.clock.set(session.expires_at - 1);
      expect(await t.sessions.get(session.id)).not.toBeNull();
      t.clock.advance(1);
      expect(t.clock.now()).toBe(session.expires_at);
      expect(await t.sessions.get(session.id)).toBeNull();
      // The store dropped the session and its tokens with their absolute TTL.
      expect(await codeOf(t.sessions.refresh(token, t.ctx))).toBe('INVALID_TOKEN');
      await t.done();
    });
  });

  describe('user-wide revocation', () => {
    it('ends every session of the user and announces the not-before instant', async () => {
      const t = setup();
      const a = await t.open();
      const b = await t.open();
      const other = await t.open('u2');
      expect(await t.sessions.revokeUser('u1', 'password_changed')).toBe(2);
      expect(await t.sessions.get(a.session.id)).toBeNull();
      expect(await t.sessions.get(b.session.id)).toBeNull();
      expect(await t.sessions.get(other.session.id)).not.toBeNull();
      expect(t.events.named('userRevoked')).toEqual([['userRevoked', 'u1', t.clock.now()]]);
      expect(await codeOf(t.sessions.refresh(a.refreshToken, t.ctx))).toBe('INVALID_TOKEN');
      await t.done();
    });

    it('voids session-less tokens of earlier seconds, and keeps one minted later in the second of the revocation (iat precision)', async () => {
      const t = setup();
      await t.keys.init();
      const mint = () => t.authority.mintAccessToken({ user_id: 'u1' }, [], undefined, 600);
      const earlier = await mint();
      t.clock.advance(S); // the next second, .400
      await t.sessions.revokeUser('u1', 'password_changed');
      t.clock.advance(300); // same second, .700: the login right after a password change
      const after = await mint();
      expect(await codeOf(t.authority.verify(earlier.token))).toBe('INVALID_TOKEN');
      expect(await codeOf(t.authority.verify(after.token))).toBe('OK');
      t.clock.advance(S);
      expect(await codeOf(t.authority.verify((await mint()).token))).toBe('OK');
      await t.done();
    });

    it('refuses a session-bound access token once its session is revoked, whatever its lifetime', async () => {
      const t = setup();
      await t.keys.init();
      const set = await t.authority.openSession({ user_id: 'u1', client_id: 'web', amr: ['pwd'], scopes: [], ip: '', user_agent: '' });
      expect(await codeOf(t.authority.verify(set.access_token))).toBe('OK');
      await t.sessions.revokeUser('u1', 'disabled');
      expect(await codeOf(t.authority.verify(set.access_token))).toBe('INVALID_TOKEN');
      await t.done();
    });
  });

  describe('the directory at refresh', () => {
    it('keeps the session and its token when the directory is down (503, never a lost session)', async () => {
      const t = setup();
      const { session, refreshToken } = await t.open();
      const getUser = t.users.getUser.bind(t.users);
      t.users.getUser = () => Promise.reject(new GatehouseError('SERVICE_UNAVAILABLE'));
      expect(await codeOf(t.sessions.refresh(refreshToken, t.ctx))).toBe('SERVICE_UNAVAILABLE');
      t.users.getUser = getUser;
      expect(await t.sessions.get(session.id)).not.toBeNull();
      expect(await codeOf(t.sessions.refresh(refreshToken, t.ctx))).toBe('OK');
      await t.done();
    });

    it('ends the session of a user who was disabled', async () => {
      const t = setup();
      const { session, refreshToken } = await t.open();
      t.users.setStatus('u1', 'disabled');
      expect(await codeOf(t.sessions.refresh(refreshToken, t.ctx))).toBe('INVALID_TOKEN');
      expect(await t.sessions.get(session.id)).toBeNull();
      expect(t.events.named('audit')).toContainEqual(['audit', 'session.revoked', 'u1', session.id]);
      await t.done();
    });
  });

  describe('the directory at every session lookup (GetSession)', () => {
    it('attack: a demoted admin keeps the roles stored at login — refused: the lookup answers the directory roles', async () => {
      const t = setup();
      t.users.add({ id: 'u1', roles: ['admin'] });
      const { session } = await t.sessions.open({
        user_id: 'u1',
        roles: ['admin'],
        client_id: 'web',
        amr: ['pwd'],
        scopes: [],
        ip: '',
        user_agent: '',
      });
      expect(session.roles).toEqual(['admin']);
      t.users.add({ id: 'u1', roles: ['user'], groups: ['g'] });
      const now = await t.sessions.current((await t.sessions.get(session.id))!);
      expect(now).toMatchObject({ roles: ['user'], groups: ['g'], email: 'u1@example.test' });
      // The next recorded use stores them too (ListSessions shows what the lookups answer).
      t.clock.advance(61_000);
      await t.sessions.touch(now);
      expect((await t.sessions.get(session.id))!.roles).toEqual(['user']);
      await t.done();
    });

    it('ends the session of a user disabled (or deleted) since, with INVALID_TOKEN, even if no event came', async () => {
      const t = setup();
      const a = await t.open();
      t.users.setStatus('u1', 'disabled');
      expect(await codeOf(t.sessions.current(a.session))).toBe('INVALID_TOKEN');
      expect(await t.sessions.get(a.session.id)).toBeNull();
      t.users.add({ id: 'u2' });
      const b = await t.open('u2');
      t.users.remove('u2');
      expect(await codeOf(t.sessions.current(b.session))).toBe('INVALID_TOKEN');
      expect(await t.sessions.get(b.session.id)).toBeNull();
      await t.done();
    });

    it('fails closed (SERVICE_UNAVAILABLE) while the directory is down, keeping the session', async () => {
      const t = setup();
      const { session } = await t.open();
      t.users.getUser = () => Promise.reject(new GatehouseError('SERVICE_UNAVAILABLE'));
      expect(await codeOf(t.sessions.current(session))).toBe('SERVICE_UNAVAILABLE');
      expect(await t.sessions.get(session.id)).not.toBeNull();
      await t.done();
    });
  });

  describe('RFC 7009 revocation of a session-less access token', () => {
    it('attack: a revoked impersonation or minted token keeps working — refused by jti for what is left of its life', async () => {
      const t = setup();
      await t.keys.init();
      const minted = await t.authority.mintAccessToken({ user_id: 'u1' }, [], undefined, 600);
      const other = await t.authority.mintAccessToken({ user_id: 'u1' }, [], undefined, 600);
      expect((await t.authority.verify(minted.token)).sid).toBeUndefined();
      await t.authority.revoke(minted.token);
      expect(await codeOf(t.authority.verify(minted.token))).toBe('INVALID_TOKEN');
      expect(await t.authority.introspect(minted.token)).toEqual({ active: false });
      expect(await codeOf(t.authority.verify(other.token))).toBe('OK');
      // Announced for the proxies for its remaining life plus the allowed clock skew.
      const [ev] = t.events.named('accessTokenRevoked');
      expect(ev).toEqual(['accessTokenRevoked', minted.jti, 'u1', minted.expiresAtMs - t.clock.now() + 30_000]);
      await t.done();
    });
  });

  it('ends the oldest session beyond the per-user maximum', async () => {
    const t = setup({ maxSessionsPerUser: 2 });
    const first = await t.open();
    t.clock.advance(S);
    const second = await t.open();
    t.clock.advance(S);
    const third = await t.open();
    expect(await t.sessions.get(first.session.id)).toBeNull();
    expect((await t.sessions.list('u1')).map((s) => s.id).sort()).toEqual([second.session.id, third.session.id].sort());
    await t.done();
  });
});
