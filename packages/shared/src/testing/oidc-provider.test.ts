import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { startOidcProvider, type TestOidcProvider } from './oidc-provider.js';

let idp: TestOidcProvider;
let received: string[] = [];
let rp: ReturnType<typeof createServer>;
let rpUrl = '';

beforeAll(async () => {
  rp = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => rp.listen(0, '127.0.0.1', () => r()));
  rpUrl = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
  idp = await startOidcProvider({
    clients: [
      {
        client_id: 'app',
        client_secret: 'app-secret',
        redirect_uris: [`${rpUrl}/cb`],
        backchannel_logout_uri: `${rpUrl}/bcl`,
        backchannel_logout_session_required: true,
      },
    ],
    accounts: { ada: { email: 'ada@example.com', email_verified: true, name: 'Ada' } },
    resources: { 'https://api.example': 'api' },
  });
});
afterAll(async () => {
  await idp?.close();
  await new Promise<void>((r) => rp.close(() => r()));
});

async function signIn(config: oidc.Configuration, login: string, resource?: string) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${rpUrl}/cb`,
    scope: resource ? 'openid api' : 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(resource ? { resource } : {}),
  });
  const back = await idp.login(url.href, login);
  return oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
}

describe('startOidcProvider (a real external IdP for tests)', () => {
  it('signs a user in through its login form: code + PKCE, ID token, userinfo, JWT access token for a resource', async () => {
    const config = await oidc.discovery(new URL(idp.issuer), 'app', 'app-secret', undefined, { execute: [oidc.allowInsecureRequests] });
    const tokens = await signIn(config, 'ada');
    const claims = tokens.claims()!;
    expect(claims.sub).toBe('ada');
    expect(claims.sid).toBe(idp.sidOf('ada', 'app'));
    expect(claims.email).toBeUndefined(); // oidc-provider's default: profile claims only from userinfo
    const info = await oidc.fetchUserInfo(config, tokens.access_token, 'ada');
    expect(info).toMatchObject({ email: 'ada@example.com', email_verified: true, name: 'Ada' });
    const api = await signIn(config, 'ada', 'https://api.example');
    expect(decodeProtectedHeader(api.access_token)).toMatchObject({ typ: 'at+jwt', kid: idp.publicKeys()[0]!.kid });
    expect(decodeJwt(api.access_token)).toMatchObject({ iss: idp.issuer, sub: 'ada', aud: 'https://api.example' });
  });

  it('rotates keys: a new kid signs and is published first, a removed one disappears', async () => {
    const old = idp.publicKeys()[0]!.kid!;
    const kid = await idp.rotateKeys();
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid, old]);
    const config = await oidc.discovery(new URL(idp.issuer), 'app', 'app-secret', undefined, { execute: [oidc.allowInsecureRequests] });
    const tokens = await signIn(config, 'ada');
    expect(decodeProtectedHeader(tokens.id_token!).kid).toBe(kid);
    await idp.removeKey(old);
    const after = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(after.keys.map((k) => k.kid)).toEqual([kid]);
  });

  it('sends a back-channel logout token to the client on 127.0.0.1 (the fetch override)', async () => {
    received = [];
    await idp.backchannelLogout('ada', 'app');
    expect(received).toHaveLength(1);
    const token = new URLSearchParams(received[0]).get('logout_token')!;
    expect(decodeProtectedHeader(token).typ).toBe('logout+jwt');
    expect(decodeJwt(token)).toMatchObject({ iss: idp.issuer, aud: 'app', sub: 'ada', sid: idp.sidOf('ada', 'app') });
  });
});
