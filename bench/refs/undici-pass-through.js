// The same minimal proxy with undici's Pool as its upstream client (Gatehouse's client) instead of
// node:http's Agent: node:http server, keep-alive pool, bodies streamed both ways, nothing else.
// Not the reference: it shows what the HTTP stack alone costs, so that Gatehouse's own per-request
// work can be read off as the difference. `node refs/undici-pass-through.js <port> <upstream>`.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, upstream] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 64, pipelining: 1 });

const server = createServer((req, res) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  pool.dispatch(
    { path: req.url, method: req.method, headers: req.headers, body: hasBody ? req : null },
    {
      onRequestStart() {},
      onResponseStart(c, status, headers) {
        res.writeHead(status, headers);
      },
      onResponseData(c, chunk) {
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        if (res.headersSent) res.destroy();
        else res.writeHead(502).end();
      },
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.send?.({ port: server.address().port }));
// An orderly exit on SIGTERM, so `node --cpu-prof` writes its profile (bench/profile.js undici).
process.on('SIGTERM', () => process.exit(0));
