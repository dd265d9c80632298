import { ConfigError } from '../config.js';
import { adminClientProblem, assertInternalGrpcProtected, internalGrpcProblem, isLoopbackTarget } from './internal-trust.js';

const mtls = { enabled: true, certFile: 'c', keyFile: 'k', caFile: 'ca', requireClientCert: true };

describe('internal gRPC trust (issue 10 item 4)', () => {
  it.each(['127.0.0.1:9221', 'localhost:9221', '[::1]:9221', '127.0.0.5:1', 'ipv4:127.0.0.1:1,127.0.0.2:2', 'dns:///localhost:9211'])(
    'treats %s as this machine',
    (t) => expect(isLoopbackTarget(t)).toBe(true),
  );

  it.each([
    '0.0.0.0:9221',
    '[::]:9221',
    ':9221',
    'auth-basic:9221',
    '10.0.0.5:9221',
    'ipv4:127.0.0.1:1,10.0.0.2:2',
    'dns:///auth-basic-grpc:9221',
  ])('treats %s as reachable beyond this machine', (t) => expect(isLoopbackTarget(t)).toBe(false));

  it('lets a service listen beyond loopback only under mutual TLS, or with the explicit opt-out', () => {
    expect(internalGrpcProblem('AUTH_BASIC_GRPC_ADDR', '127.0.0.1:9221', undefined, false)).toBeUndefined();
    expect(internalGrpcProblem('AUTH_BASIC_GRPC_ADDR', '0.0.0.0:9221', mtls, false)).toBeUndefined();
    expect(internalGrpcProblem('AUTH_BASIC_GRPC_ADDR', '0.0.0.0:9221', undefined, true)).toBeUndefined();
    for (const tls of [undefined, { enabled: false }, { ...mtls, requireClientCert: false }, { ...mtls, caFile: undefined }])
      expect(internalGrpcProblem('AUTH_BASIC_GRPC_ADDR', '0.0.0.0:9221', tls, false)).toMatch(
        /^AUTH_BASIC_GRPC_ADDR: 0\.0\.0\.0:9221 is reachable beyond this machine but internal gRPC is not authenticated/,
      );
    expect(() => assertInternalGrpcProtected('AUTH_APP_GRPC_ADDR', 'auth-app:9231', undefined, false)).toThrow(ConfigError);
  });

  it('has the admin CLI present its certificate to a remote deployment', () => {
    expect(adminClientProblem('127.0.0.1:9221', undefined, false)).toBeUndefined();
    expect(adminClientProblem('auth-basic:9221', { enabled: true, caFile: 'ca', certFile: 'c', keyFile: 'k' }, false)).toBeUndefined();
    expect(adminClientProblem('auth-basic:9221', undefined, true)).toBeUndefined();
    expect(adminClientProblem('auth-basic:9221', { enabled: true, caFile: 'ca' }, false)).toMatch(
      /is a remote deployment: present the admin client certificate/,
    );
    expect(adminClientProblem('auth-basic:9221', undefined, false)).toMatch(/remote deployment/);
  });
});
