import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteStoredLogin, loginFile, readStoredLogin, writeStoredLogin, type StoredLogin } from './stored-login.js';

const login: StoredLogin = {
  version: 1,
  server: 'http://127.0.0.1:9200',
  grpc_server: '127.0.0.1:9201',
  issuer: 'http://127.0.0.1:9200/oidc',
  access_token: 'at',
  refresh_token: 'rt',
  scope: 'openid',
  expires_at: 1,
};
const mode = (p: string) => statSync(p).mode & 0o777;

describe('the stored login', () => {
  it('is written 0600 in a 0700 folder it creates, whatever the umask, and read back', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gh-login-')), 'nested', 'gatehouse');
    const env = { GATEHOUSE_CONFIG_DIR: dir };
    const old = process.umask(0o000);
    try {
      await writeStoredLogin(env, login);
    } finally {
      process.umask(old);
    }
    expect(mode(dir)).toBe(0o700);
    expect(mode(loginFile(env))).toBe(0o600);
    expect(await readStoredLogin(env)).toEqual(login);
    // Nothing else left behind (the temporary file was renamed).
    expect(readdirSync(dir)).toEqual(['login.json']);
  });

  it('narrows an existing folder of its own to 0700', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-login-'));
    chmodSync(dir, 0o755);
    await writeStoredLogin({ GATEHOUSE_CONFIG_DIR: dir }, login);
    expect(mode(dir)).toBe(0o700);
  });

  it('is null when absent, an error that says what to do when damaged, and deleted by deleteStoredLogin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-login-'));
    const env = { GATEHOUSE_CONFIG_DIR: dir };
    expect(await readStoredLogin(env)).toBeNull();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'login.json'), '{"version":1,"server":"x"}');
    await expect(readStoredLogin(env)).rejects.toThrow(/damaged.*gatehouse logout/);
    expect(await deleteStoredLogin(env)).toBe(true);
    expect(await deleteStoredLogin(env)).toBe(false);
  });
});
