import { decodeJwt } from 'jose';
import { startRedis, type SpawnedServer } from '@gatehouse/shared/testing';
import { PUBLIC_URL, bearer, codeOf, startHarness, type Harness } from './helpers/harness.js';

let redis: SpawnedServer;
let h: Harness;
const PW = 'login service password';

beforeAll(async () => {
  redis = await startRedis();
  h = await startHarness(redis.url, { OIDC_CLIENT_ID: 'cli-client' });
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

describe('login.v1.LoginService', () => {
  it('Login returns the access token as id_token, a refresh token, claims and expires_by', async () => {
    const { id } = await h.createUser('grpc-login@example.com', PW, { roles: ['admin'], groups: ['ops'], name: 'Grace' });
    const r = await h.login.Login({ email: 'grpc-login@example.com', password: PW });
    expect(r.claims).toEqual({
      iss: PUBLIC_URL,
      sub: id,
      name: 'Grace',
      email: 'grpc-login@example.com',
      roles: ['admin'],
      groups: ['ops'],
    });
    const jwt = decodeJwt(r.id_token);
    expect(jwt.sub).toBe(id);
    expect(r.expires_by.seconds).toBe(jwt.exp);
    expect(r.refresh_token).toEqual(expect.any(String));
  });

  it('maps wrong credentials to UNAUTHENTICATED / INVALID_CREDENTIALS', async () => {
    await expect(h.login.Login({ email: 'grpc-login@example.com', password: 'wrong one!' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    await expect(h.login.Login({ email: '', password: '' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('RefreshToken rotates the refresh token and rejects the old one', async () => {
    const r = await h.login.Login({ email: 'grpc-login@example.com', password: PW });
    const next = await h.login.RefreshToken({ refresh_token: r.refresh_token });
    expect(next.refresh_token).not.toBe(r.refresh_token);
    expect(next.claims.sub).toBe(r.claims.sub);
    expect(await codeOf(h.login.RefreshToken({ refresh_token: r.refresh_token }))).toBe('INVALID_TOKEN');
    expect(await codeOf(h.login.RefreshToken({ refresh_token: '' }))).toBe('INVALID_PAYLOAD');
  });

  it('GetOIDCInfo returns the built-in issuer at PUBLIC_URL/oidc by default, with the configured client', async () => {
    expect(await h.login.GetOIDCInfo({})).toEqual({
      issuer: `${PUBLIC_URL}/oidc`,
      auth_url: `${PUBLIC_URL}/oidc/auth`,
      client_id: 'cli-client',
      redirect_url: 'http://127.0.0.1/api/auth/callback',
    });
  });

  it('Logout revokes the session of the Bearer token in the metadata', async () => {
    const r = await h.login.Login({ email: 'grpc-login@example.com', password: PW });
    const sid = decodeJwt(r.id_token).sid as string;
    expect(h.issuer.sessions.has(sid)).toBe(true);
    await h.login.Logout({}, { metadata: bearer(r.id_token) });
    expect(h.issuer.sessions.has(sid)).toBe(false);
    expect(await codeOf(h.login.RefreshToken({ refresh_token: r.refresh_token }))).toBe('INVALID_TOKEN');
  });

  it('Logout refuses a missing, forged or foreign-signed token', async () => {
    expect(await codeOf(h.login.Logout({}))).toBe('UNAUTHENTICATED');
    expect(await codeOf(h.login.Logout({}, { metadata: bearer('not.a.jwt') }))).toBe('INVALID_TOKEN');
    const r = await h.login.Login({ email: 'grpc-login@example.com', password: PW });
    const [hd] = r.id_token.split('.');
    const tampered = `${hd}.${Buffer.from(JSON.stringify({ ...decodeJwt(r.id_token), sid: 'someone-else' })).toString('base64url')}.${r.id_token.split('.')[2]}`;
    expect(await codeOf(h.login.Logout({}, { metadata: bearer(tampered) }))).toBe('INVALID_TOKEN');
  });
});

describe('POST /graphql/system', () => {
  const gql = async (query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await h.post('/graphql/system', { query, variables }, headers);
    return {
      res,
      body: (await res.json()) as {
        data?: Record<string, Record<string, unknown> | boolean | null>;
        errors?: Array<{ message: string; extensions: { code: string } }>;
      },
    };
  };

  it('auth_login, auth_refresh, auth_logout with Directus shapes', async () => {
    const { body } = await gql(
      'mutation { auth_login(email: "grpc-login@example.com", password: "login service password") { access_token expires refresh_token } }',
    );
    const t = body.data!.auth_login as { access_token: string; expires: number; refresh_token: string };
    expect(t.expires).toBeGreaterThan(0);
    const refreshed = await gql('mutation R($t: String) { auth_refresh(refresh_token: $t) { access_token refresh_token } }', {
      t: t.refresh_token,
    });
    const t2 = refreshed.body.data!.auth_refresh as { refresh_token: string };
    expect(t2.refresh_token).not.toBe(t.refresh_token);
    const out = await gql('mutation L($t: String) { auth_logout(refresh_token: $t) }', { t: t2.refresh_token });
    expect(out.body.data!.auth_logout).toBe(true);
    const again = await gql('mutation R($t: String) { auth_refresh(refresh_token: $t) { access_token } }', { t: t2.refresh_token });
    expect(again.body.errors?.[0]?.extensions.code).toBe('INVALID_TOKEN');
  });

  it('auth_login in cookie mode sets the cookie and auth_refresh reads it', async () => {
    const { res, body } = await gql(
      'mutation { auth_login(email: "grpc-login@example.com", password: "login service password", mode: "cookie") { access_token refresh_token } }',
    );
    expect((body.data!.auth_login as { refresh_token: unknown }).refresh_token).toBeNull();
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const r = await gql('mutation { auth_refresh(mode: "cookie") { access_token } }', undefined, {
      'sec-fetch-site': 'same-origin',
      cookie,
    });
    expect((r.body.data!.auth_refresh as { access_token: string }).access_token).toEqual(expect.any(String));
  });

  it('reports errors with extensions.code: INVALID_CREDENTIALS, INVALID_PAYLOAD', async () => {
    const bad = await gql('mutation { auth_login(email: "grpc-login@example.com", password: "nope nope nope") { access_token } }');
    expect(bad.res.status).toBe(200);
    expect(bad.body.errors?.[0]).toMatchObject({ message: 'Invalid user credentials.', extensions: { code: 'INVALID_CREDENTIALS' } });
    const syntax = await gql('mutation { auth_login(');
    expect(syntax.res.status).toBe(400);
    expect(syntax.body.errors?.[0]?.extensions.code).toBe('INVALID_PAYLOAD');
    const missing = await gql('mutation { auth_logout }');
    expect(missing.body.errors?.[0]?.extensions.code).toBe('INVALID_PAYLOAD');
  });

  it('auth_password_request and auth_password_reset follow the REST semantics', async () => {
    const req = await gql('mutation { auth_password_request(email: "ghost@example.com") }');
    expect(req.body.data!.auth_password_request).toBe(true);
    const bypass = await gql('mutation { auth_password_request(email: "ghost@example.com", reset_url: "//evil.example") }');
    expect(bypass.body.errors?.[0]?.extensions.code).toBe('INVALID_PAYLOAD');
    const reset = await gql('mutation { auth_password_reset(token: "nope", password: "good long password") }');
    expect(reset.body.errors?.[0]?.extensions.code).toBe('INVALID_TOKEN');
  });
});
