// Valid access tokens minted with the key Gatehouse signs with (AUTH_BEARER_SIGNING_KEY): the
// claims and header of a real token, each with its own jti, so every one is distinct and valid.
import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';

export async function mintTokens(pem, template, n) {
  const [h, p] = template
    .split('.')
    .slice(0, 2)
    .map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()));
  const key = await importPKCS8(pem, h.alg);
  const out = [];
  for (let i = 0; i < n; i++) out.push(await new SignJWT({ ...p, jti: randomUUID() }).setProtectedHeader(h).sign(key));
  return out;
}
