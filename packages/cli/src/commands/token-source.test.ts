import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeStoredLogin } from '../login/stored-login.js';
import { userToken } from './token-source.js';

const emptyDir = () => ({ GATEHOUSE_CONFIG_DIR: join(mkdtempSync(join(tmpdir(), 'gh-token-')), 'gatehouse') });

describe('userToken (the token `gatehouse apikeys` acts with)', () => {
  it('takes --token, then GATEHOUSE_TOKEN, and sends a given token wherever the command points (nothing to refresh)', async () => {
    const env = { ...emptyDir(), GATEHOUSE_TOKEN: 'from-env' };
    expect(await userToken('from-flag', env)).toEqual({ token: 'from-flag' });
    expect(await userToken(undefined, env)).toEqual({ token: 'from-env' });
  });

  it('otherwise uses the stored login, bound to the gRPC entry it signed in through', async () => {
    const env = emptyDir();
    await writeStoredLogin(env, {
      version: 1,
      server: 'https://gatehouse.example.test',
      grpc_server: 'gatehouse.example.test:9201',
      issuer: 'https://gatehouse.example.test/oidc',
      access_token: 'stored-at',
      refresh_token: 'stored-rt',
      scope: 'openid offline_access',
      // Far from expiry: no refresh is needed, so no server is asked.
      expires_at: Date.now() + 3_600_000,
    });
    const user = await userToken(undefined, env);
    expect(user).toMatchObject({ token: 'stored-at', login: { grpcServer: 'gatehouse.example.test:9201', https: true } });
    expect(user.renew).toEqual(expect.any(Function));
  });

  it('says to run `gatehouse login` when there is no token and no stored login', async () => {
    await expect(userToken(undefined, emptyDir())).rejects.toThrow(
      'not signed in: run `gatehouse login` (or pass --token=<access token>, or set GATEHOUSE_TOKEN)',
    );
  });
});
