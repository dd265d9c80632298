// The cheapest Node proxy: node:http server, a keep-alive agent, request and response piped.
// MODE=plain (the reference), jose (ES256 verification of the Bearer token per request, same
// checks as Gatehouse: alg, typ, issuer, audience, expiry), lru (the same with an LRU of verified
// tokens). `node refs/pass-through.js <port> <upstream> [jwksUrl issuer audience]`.
import { Agent, createServer, request } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';

const [port, upstream, jwksUrl, issuer, audience] = process.argv.slice(2);
const mode = process.env.MODE ?? 'plain';
const up = new URL(upstream);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

let verify = async () => true;
if (mode !== 'plain') {
  const jwks = createLocalJWKSet(await (await fetch(jwksUrl)).json());
  const check = async (token) => {
    const { payload } = await jwtVerify(token, jwks, { algorithms: ['ES256'], typ: 'at+jwt', issuer, audience });
    return payload;
  };
  if (mode === 'jose') verify = check;
  else {
    const cache = new LRUCache({ max: 10_000 });
    verify = async (token) => {
      const hit = cache.get(token);
      if (hit && hit.exp * 1000 > Date.now()) return hit;
      const p = await check(token);
      cache.set(token, p);
      return p;
    };
  }
}

function forward(req, res) {
  const p = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  p.on('error', () => {
    res.writeHead(502).end();
  });
  req.pipe(p);
}

const server = createServer((req, res) => {
  if (mode === 'plain') return forward(req, res);
  const h = req.headers.authorization ?? '';
  if (!h.startsWith('Bearer ')) return res.writeHead(401).end();
  verify(h.slice(7)).then(
    () => forward(req, res),
    () => res.writeHead(401).end(),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.send?.({ port: server.address().port }));
