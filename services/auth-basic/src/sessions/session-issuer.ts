import { createTokenClient, type GrpcClientOptions, type Principal, type TokenSet__Output } from '@gatehouse/shared';

/** The gatehouse.v1.Principal fields auth-basic sets when it opens a session (all of them, always). */
export type PrincipalInput = Required<Pick<Principal, 'user_id' | 'email' | 'name' | 'roles' | 'groups' | 'amr' | 'auth_method'>>;

/** A session's tokens as auth-bearer returns them. */
export type IssuedSession = TokenSet__Output;

export interface OpenSessionInput {
  principal: PrincipalInput;
  clientId: string;
  amr: string[];
  ip: string;
  userAgent: string;
}

/**
 * The port to auth-bearer's TokenService: everything auth-basic needs from the token authority.
 * Production: the gRPC client below. Tests: an in-process implementation signing real tokens.
 */
export interface SessionIssuer {
  openSession(input: OpenSessionInput): Promise<IssuedSession>;
  refresh(refreshToken: string, ip: string, userAgent: string): Promise<IssuedSession>;
  revokeSession(target: { sessionId: string } | { refreshToken: string }, reason: string): Promise<void>;
  /** `changeId`: the user.changed event's id; auth-bearer acts on one change once (retries are no-ops). */
  revokeUser(userId: string, reason: string, changeId?: string): Promise<void>;
  close(): void;
}

/** SessionIssuer over gRPC (createTokenClient: deadlines on every call, typed errors back). */
export function createGrpcSessionIssuer(endpoint: string, opts: GrpcClientOptions = {}): SessionIssuer {
  const client = createTokenClient(endpoint, opts);
  return {
    async openSession(i) {
      return client.OpenSession({ principal: i.principal, client_id: i.clientId, amr: i.amr, ip: i.ip, user_agent: i.userAgent });
    },
    async refresh(refreshToken, ip, userAgent) {
      return client.RefreshSession({ refresh_token: refreshToken, ip, user_agent: userAgent });
    },
    async revokeSession(target, reason) {
      await client.RevokeSession(
        'sessionId' in target ? { session_id: target.sessionId, reason } : { refresh_token: target.refreshToken, reason },
      );
    },
    async revokeUser(userId, reason, changeId) {
      await client.RevokeUser({ user_id: userId, reason, change_id: changeId ?? '' });
    },
    close: () => client.close(),
  };
}
