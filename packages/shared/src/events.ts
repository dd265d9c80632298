import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventBus, Subscription } from './bus/bus.js';
import type { Clock } from './clock.js';
import type { KeyValueStore } from './store/store.js';

/**
 * NATS subjects and their payloads. One table, so publishers and subscribers cannot drift.
 * Every event carries `id` (unique, for idempotence) and `at` (epoch ms).
 */
export const SUBJECTS = {
  /** { sid, user_id, exp } a session (and its refresh family) was revoked. */
  revokedSession: 'gatehouse.revoked.session',
  /** { user_id, not_before } every credential of the user issued before not_before is void. */
  revokedUser: 'gatehouse.revoked.user',
  /** { token_id, user_id } an app token was deleted or expired. */
  revokedAppToken: 'gatehouse.revoked.apptoken',
  /** { token_id, user_id, exp, generation? } an API key was deleted, refreshed or disabled: tokens minted from it are void. */
  revokedApiKey: 'gatehouse.revoked.apikey',
  /** { token_id, user_id, exp } one session-less access token (token_id: its `jti`) was revoked (RFC 7009). */
  revokedAccessToken: 'gatehouse.revoked.token',
  /** All revocations (proxy subscription). */
  revokedAll: 'gatehouse.revoked.*',
  /** { kid } a signing key was added or retired: verifiers refetch the JWKS. */
  keysRotated: 'gatehouse.keys.rotated',
  /** { user_id, reason } reason: disabled | deleted | password_changed | suspended | updated */
  userChanged: 'gatehouse.user.changed',
  /** Audit trail: { action, actor, subject, ... } */
  audit: 'gatehouse.audit',
} as const;

export interface BaseEvent {
  id: string;
  at: number;
}

/**
 * Every revocation event carries `seq`, its place in the store's revocation sequence
 * (REVOCATION_SEQUENCE_KEY): a proxy that sees the sequence move past what events told it knows it
 * missed one (a publisher cut off from NATS) and reloads the lists. Absent from older publishers.
 */
export interface SequencedEvent extends BaseEvent {
  seq?: number;
}

export interface RevokedSessionEvent extends SequencedEvent {
  sid: string;
  user_id: string;
  /** Until when the revocation matters (the longest access-token lifetime from now). */
  exp: number;
}

export interface RevokedUserEvent extends SequencedEvent {
  user_id: string;
  /** Credentials issued (iat) before this epoch ms are void. */
  not_before: number;
  exp: number;
}

export interface RevokedCredentialEvent extends SequencedEvent {
  token_id: string;
  user_id: string;
  exp: number;
}

export interface RevokedApiKeyEvent extends RevokedCredentialEvent {
  /**
   * What was minted from this generation of the key or an earlier one is void (a refreshed key keeps
   * its id). Absent: every generation (a deleted key).
   */
  generation?: number;
}

export type UserChangeReason = 'disabled' | 'deleted' | 'password_changed' | 'suspended' | 'updated';

export interface UserChangedEvent extends BaseEvent {
  user_id: string;
  reason: UserChangeReason;
}

export interface KeysRotatedEvent extends BaseEvent {
  kid: string;
}

export interface AuditEvent extends BaseEvent {
  action: string;
  actor: string;
  subject: string;
  [k: string]: unknown;
}

/** Where a service's rules record who did what (`gatehouse.audit`; bus/audit-publisher.ts). */
export interface AuditSink {
  record(event: { action: string; actor: string; subject: string; [k: string]: unknown }): Promise<void>;
}

/** Every subject with its payload: the one contract publishers and subscribers are typed by. */
export interface EventPayloads {
  'gatehouse.revoked.session': RevokedSessionEvent;
  'gatehouse.revoked.user': RevokedUserEvent;
  'gatehouse.revoked.apptoken': RevokedCredentialEvent;
  'gatehouse.revoked.apikey': RevokedApiKeyEvent;
  'gatehouse.revoked.token': RevokedCredentialEvent;
  'gatehouse.keys.rotated': KeysRotatedEvent;
  'gatehouse.user.changed': UserChangedEvent;
  'gatehouse.audit': AuditEvent;
}

export type EventSubject = keyof EventPayloads;

/** An event as received: `switch (e.subject)` narrows `e.payload`. */
export type GatehouseEvent = { [S in EventSubject]: { subject: S; payload: EventPayloads[S] } }[EventSubject];

/** The events on `gatehouse.revoked.*`. */
export type RevocationEvent = Extract<GatehouseEvent, { subject: `gatehouse.revoked.${string}` }>;

const id = z.string().min(1).max(200);
const text = z.string().min(1).max(1024);
const ms = z.number().finite();
const base = { id, at: ms };
const revocation = { ...base, seq: z.number().int().positive().optional() };
const credential = z.looseObject({ ...revocation, token_id: text, user_id: text, exp: ms });
const USER_CHANGE_REASONS = [
  'disabled',
  'deleted',
  'password_changed',
  'suspended',
  'updated',
] as const satisfies readonly UserChangeReason[];

/** Runtime form of EventPayloads: what a subscriber accepts (extra fields are kept, never required). */
const PAYLOAD_SCHEMAS: { [S in EventSubject]: z.ZodType<EventPayloads[S]> } = {
  'gatehouse.revoked.session': z.looseObject({ ...revocation, sid: text, user_id: text, exp: ms }),
  'gatehouse.revoked.user': z.looseObject({ ...revocation, user_id: text, not_before: ms, exp: ms }),
  'gatehouse.revoked.apptoken': credential,
  'gatehouse.revoked.apikey': credential.extend({ generation: z.number().int().nonnegative().optional() }),
  'gatehouse.revoked.token': credential,
  'gatehouse.keys.rotated': z.looseObject({ ...base, kid: text }),
  'gatehouse.user.changed': z.looseObject({ ...base, user_id: text, reason: z.enum(USER_CHANGE_REASONS) }),
  'gatehouse.audit': z.looseObject({ ...base, action: z.string(), actor: z.string(), subject: z.string() }),
};

const isSubject = (s: string): s is EventSubject => Object.prototype.hasOwnProperty.call(PAYLOAD_SCHEMAS, s);

/**
 * A received payload checked against its subject's contract; undefined for an unknown subject or
 * a payload that does not fit (the caller logs and drops it: a subscriber never guesses fields).
 */
export function parseEvent(subject: string, payload: unknown): GatehouseEvent | undefined {
  if (!isSubject(subject)) return undefined;
  const r = (PAYLOAD_SCHEMAS[subject] as z.ZodType).safeParse(payload);
  return r.success ? ({ subject, payload: r.data } as GatehouseEvent) : undefined;
}

/** The payload without its envelope (`id`, `at`): what a publisher supplies. */
export type EventFields<S extends EventSubject> = Omit<EventPayloads[S], 'id' | 'at'>;

/**
 * Publishes one event with a fresh `id` and `at` from the clock; returns the whole payload.
 * Typed by EventPayloads, so a publisher cannot send a field no subscriber expects.
 */
export async function publishEvent<S extends EventSubject>(
  bus: EventBus,
  clock: Clock,
  subject: S,
  fields: EventFields<S>,
): Promise<EventPayloads[S]> {
  const payload = { ...fields, id: randomUUID(), at: clock.now() } as EventPayloads[S];
  await bus.publish(subject, { ...payload });
  return payload;
}

/**
 * Subscribes to one subject through its contract: the handler gets the typed payload; one that does
 * not fit is logged and dropped (a subscriber never guesses fields).
 */
export function subscribeEvent<S extends EventSubject>(
  bus: EventBus,
  subject: S,
  logger: { warn(fields: object, msg: string): void },
  handle: (payload: EventPayloads[S]) => void | Promise<void>,
): Subscription {
  return bus.subscribe(subject, (payload, received) => {
    const event = parseEvent(received, payload);
    if (event?.subject !== subject) return void logger.warn({ subject: received }, 'ignoring an event outside the contract');
    return handle(event.payload as EventPayloads[S]);
  });
}

/**
 * Adds a member to a revocation list (REVOCATION_KEYS: a sorted set scored by the entry's expiry)
 * and prunes entries already past theirs, so the list a starting proxy loads stays small.
 */
export async function rememberRevocation(store: KeyValueStore, key: string, member: string, exp: number, now: number): Promise<void> {
  await store.zAdd(key, member, exp);
  await store.zRemRangeByScore(key, 0, now);
}

/**
 * Redis key prefixes (under the store's own `gh:` prefix). Revocation lists are sorted sets
 * scored by expiry (epoch ms), pruned on write, so a starting proxy loads them in one call each.
 * Members: `sessions` → sid; `users` → `<user_id>:<not_before_ms>`; `apptokens` → the credential id;
 * `apikeys` → `<key id>:<generation>` (tokens minted from that generation or an earlier one) or the
 * bare key id (every generation); `jti` → the `jti` of a revoked session-less access token.
 */
export const REVOCATION_KEYS = {
  sessions: 'revoked:sessions',
  users: 'revoked:users',
  appTokens: 'revoked:apptokens',
  apiKeys: 'revoked:apikeys',
  accessTokens: 'revoked:jti',
} as const;

/**
 * A counter every revocation increments after writing its list entry (so an entry exists for every
 * sequence number a reader sees); its events carry the number (`seq`). Proxies poll it to notice
 * events they missed.
 */
export const REVOCATION_SEQUENCE_KEY = 'revoked:seq';

export type RevocationSubject = RevocationEvent['subject'];

/**
 * A revocation, told the two ways proxies learn it: on its list in the store (the durable path,
 * loaded at start, after every reconnect and whenever the revocation sequence shows a missed
 * event), then as an event carrying its sequence number (proxies drop cached successes at once).
 * The entry lives `retentionMs` (the longest token lifetime it must outlast). A failed publish is
 * only logged: the list and the sequence already hold the revocation.
 */
export async function announceRevocation<S extends RevocationSubject>(
  to: { store: KeyValueStore; bus: EventBus; clock: Clock; logger: { warn(fields: object, msg: string): void } },
  r: { list: string; member: string; retentionMs: number; subject: S; fields: Omit<EventFields<S>, 'exp'> },
): Promise<void> {
  const now = to.clock.now();
  const exp = now + r.retentionMs;
  await rememberRevocation(to.store, r.list, r.member, exp, now);
  const seq = await to.store.incr(REVOCATION_SEQUENCE_KEY);
  try {
    await publishEvent(to.bus, to.clock, r.subject, { ...r.fields, exp, seq } as unknown as EventFields<S>);
  } catch (err) {
    to.logger.warn({ err, subject: r.subject }, 'revocation not published (proxies reload the list after reconnecting)');
  }
}
