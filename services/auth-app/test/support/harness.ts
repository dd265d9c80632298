import { createLogger, signIdentity, StaticKeySource, type Identity } from '@gatehouse/shared';
import { testKeyPair, type HarnessOptions } from '@gatehouse/shared/testing';
import { createApp, type AuthApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { MemoryUserDirectory } from '@gatehouse/shared/testing';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    GATEHOUSE_SECRET: TEST_SECRET,
    AUTH_APP_HTTP_ADDR: '127.0.0.1:0',
    AUTH_APP_GRPC_ADDR: '127.0.0.1:0',
    AUTH_APP_DEBUG_ADDR: '127.0.0.1:0',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export interface Harness {
  app: AuthApp;
  users: MemoryUserDirectory;
  base: string;
  grpcAddr: string;
  /** Signs an X-Gatehouse-Identity header as the proxy would. */
  identity(who: Partial<Identity> & { sub: string }): Promise<string>;
  stop(): Promise<void>;
}

/** The real app on port 0 with an in-process user directory and a test identity key. */
export async function startHarness(opts: HarnessOptions & { users?: MemoryUserDirectory }): Promise<Harness> {
  const key = await testKeyPair();
  const users = opts.users ?? new MemoryUserDirectory();
  const logger = opts.logger ?? createLogger({ service: 'auth-app', level: 'silent' });
  const app = createApp(testConfig(opts.env), {
    store: opts.store,
    bus: opts.bus,
    logger,
    clock: opts.clock,
    userDirectory: users,
    identityKeys: new StaticKeySource({ keys: [key.publicJwk] }),
  });
  const ports = await app.start();
  return {
    app,
    users,
    base: `http://127.0.0.1:${ports.http}`,
    grpcAddr: `127.0.0.1:${ports.grpc}`,
    identity: (who) =>
      signIdentity({ roles: [], groups: [], scopes: [], amr: ['pwd'], auth_method: 'bearer', ...who }, key, 300, opts.clock, 'auth-app'),
    stop: () => app.stop(),
  };
}
