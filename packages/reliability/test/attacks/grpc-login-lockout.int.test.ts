import { connect as http2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import type { RunningRuntime } from '@gatehouse/cli';
import { loadProtos } from '@gatehouse/shared';
import { startRuntime } from '../../src/runtime.js';

// Issue 10 item 7: the proxy's gRPC entry appends the caller's address to x-forwarded-for; auth-basic
// must believe it from the peers AUTH_BASIC_TRUST_PROXY names, so that one client's bad logins
// through the entry never lock out everyone else's. The clients here connect from two different
// loopback addresses (127.0.0.2, 127.0.0.3), as two hosts would.

interface GrpcAnswer {
  status: number;
  code: string | undefined;
}

/** One unary LoginService.Login through the entry, over a connection from `localAddress`. */
function grpcLogin(entryPort: number, localAddress: string, email: string, password: string): Promise<GrpcAnswer> {
  const method = loadProtos().login.v1.LoginService.service.Login;
  const message = method.requestSerialize({ email, password });
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://127.0.0.1:${entryPort}`, {
      createConnection: () => netConnect({ host: '127.0.0.1', port: entryPort, localAddress }),
    });
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': method.path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let head: Record<string, unknown> = {};
    stream.on('response', (h) => (head = h));
    stream.on('trailers', (t) => (head = { ...head, ...t }));
    stream.on('data', () => undefined);
    stream.on('end', () => {
      session.close();
      const code = head['gatehouse-error-code'];
      resolve({ status: Number(head['grpc-status'] ?? -1), code: typeof code === 'string' ? code : undefined });
    });
    stream.on('error', reject);
    stream.end(frame);
  });
}

describe('attack: bad gRPC logins through the entry locking out everyone (issue 10 item 7)', () => {
  let rt: RunningRuntime;
  let grpcPort: number;
  const user = { email: 'grpc-victim@example.com', password: 'grpc victim password 0123' };

  beforeAll(async () => {
    let addrs: Record<string, string>;
    ({ rt, addrs } = await startRuntime({
      GATEHOUSE_ADMIN_EMAIL: user.email,
      GATEHOUSE_ADMIN_PASSWORD: user.password,
      // Named explicitly, as a deployment names its proxies (compose: uniquelocal).
      AUTH_BASIC_TRUST_PROXY: '127.0.0.1',
      LOGIN_IP_FREE_ATTEMPTS: '20',
    }));
    grpcPort = Number(addrs.PROXY_GRPC_ADDR!.split(':')[1]);
  }, 90_000);

  afterAll(async () => {
    await rt?.stop();
  });

  it('21 bad logins from one client delay that client only: another client’s gRPC login still succeeds', async () => {
    const attacker = '127.0.0.2';
    for (let i = 0; i < 21; i++) {
      const a = await grpcLogin(grpcPort, attacker, `nobody-${i}@example.com`, 'wrong password 0123');
      expect(a.code === 'INVALID_CREDENTIALS' || a.code === 'REQUESTS_EXCEEDED').toBe(true);
    }
    // The attacker's own address is now in its delay...
    const again = await grpcLogin(grpcPort, attacker, 'nobody-else@example.com', 'wrong password 0123');
    expect([again.status, again.code]).toEqual([8, 'REQUESTS_EXCEEDED']); // RESOURCE_EXHAUSTED
    // ...everybody else's is not.
    const victim = await grpcLogin(grpcPort, '127.0.0.3', user.email, user.password);
    expect([victim.status, victim.code]).toEqual([0, undefined]);
  });
});
