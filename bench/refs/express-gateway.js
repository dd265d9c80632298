// The usual hand-rolled gateway: express, jose verification middleware (ES256, issuer, audience,
// typ), http-proxy-middleware 3.0.x. `node refs/express-gateway.js <port> <upstream> <jwksUrl> <issuer> <audience>`.
import express from 'express';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createProxyMiddleware } from 'http-proxy-middleware';

const [port, upstream, jwksUrl, issuer, audience] = process.argv.slice(2);
const jwks = createLocalJWKSet(await (await fetch(jwksUrl)).json());
const app = express();
app.use(async (req, res, next) => {
  const h = req.headers.authorization ?? '';
  if (!h.startsWith('Bearer ')) return res.status(401).json({ error: 'unauthenticated' });
  try {
    const { payload } = await jwtVerify(h.slice(7), jwks, { algorithms: ['ES256'], typ: 'at+jwt', issuer, audience });
    req.headers['x-user-id'] = payload.sub;
    next();
  } catch {
    res.status(401).json({ error: 'invalid token' });
  }
});
app.use(createProxyMiddleware({ target: upstream, changeOrigin: false }));
const server = app.listen(Number(port), '127.0.0.1', () => process.send?.({ port: server.address().port }));
server.keepAliveTimeout = 60_000;
