/** Who serves a gRPC service behind the entry, and which of its methods need no credential. */
export interface GrpcOwner {
  endpoint: string;
  /** The owning service's name: the `aud` of the identity the entry forwards (only that service accepts it). */
  audience: string;
  publicMethods: ReadonlySet<string>;
  /** Forward the caller's `authorization` metadata (the owner needs it, e.g. LoginService.Logout). */
  passAuthorization: boolean;
}

/**
 * The routing table of the gRPC entry, keyed by fully-qualified service name. Services land by
 * adding an entry (auth-apikey's ApiKeyService once its endpoint is configured).
 */
export function grpcOwners(c: {
  AUTH_BASIC_GRPC_ENDPOINT: string;
  AUTH_BEARER_GRPC_ENDPOINT: string;
  AUTH_APIKEY_GRPC_ENDPOINT?: string | undefined;
}): Map<string, GrpcOwner> {
  const table = new Map<string, GrpcOwner>([
    [
      'login.v1.LoginService',
      {
        endpoint: c.AUTH_BASIC_GRPC_ENDPOINT,
        audience: 'auth-basic',
        publicMethods: new Set(['Login', 'RefreshToken', 'GetOIDCInfo']),
        passAuthorization: true,
      },
    ],
    [
      'mgmt.v1alpha1.AuthService',
      {
        endpoint: c.AUTH_BEARER_GRPC_ENDPOINT,
        audience: 'auth-bearer',
        publicMethods: new Set(['GetAuthStatus', 'GetAuthorizeUrl', 'LoginCli', 'RefreshCli', 'GetCliIssuer']),
        passAuthorization: true,
      },
    ],
  ]);
  if (c.AUTH_APIKEY_GRPC_ENDPOINT)
    table.set('apikeys.ApiKeyService', {
      endpoint: c.AUTH_APIKEY_GRPC_ENDPOINT,
      audience: 'auth-apikey',
      publicMethods: new Set(['ExchangeKeyForToken']),
      // auth-apikey reads the caller from the signed identity; the user's own token stays here.
      passAuthorization: false,
    });
  return table;
}
