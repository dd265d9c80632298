import { createTokenClient, type GrpcClientOptions } from '@gatehouse/shared';

/** The principal auth-basic hands to auth-bearer (gatehouse.v1.Principal, the fields we set). */
export interface PrincipalInput {
  user_id: string;
  email: string;
  name: string;
  roles: string[];
  groups: string[];
  amr: string[];
  auth_method: string;
}

/** A session's tokens as auth-bearer returns them (gatehouse.v1.TokenSet). */
export interface IssuedSession {
  access_token: string;
  access_token_expires_at_ms: number;
  refresh_token: string;
  refresh_token_expires_at_ms: number;
  session_id: string;
  principal: { user_id: string; email: string; name: string; roles: string[]; groups: string[] } | null;
}

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
  revokeUser(userId: string, reason: string): Promise<void>;
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
      await client.RevokeSession('sessionId' in target ? { session_id: target.sessionId, reason } : { refresh_token: target.refreshToken, reason });
    },
    async revokeUser(userId, reason) {
      await client.RevokeUser({ user_id: userId, reason });
    },
    // AsyncClient<> types `close` as never (the generated Handlers have an index signature, so
    // keyof H includes 'close'); the runtime object does have it.
    close: () => (client as unknown as { close(): void }).close(),
  };
}
