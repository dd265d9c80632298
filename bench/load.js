// Load generator in its own process (so it never shares an event loop with what it measures):
// `node bench/load.js '<json>'` runs autocannon and prints one JSON result line.
// Options: url, connections, duration (s) or amount (requests), method, headers, body,
// tokensFile (one credential a line, each used once in turn: `authorization: Bearer <line>`).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2]);
const opts = {
  url: o.url,
  connections: o.connections ?? 32,
  pipelining: 1,
  method: o.method ?? 'GET',
  headers: o.headers ?? {},
  ...(o.body !== undefined ? { body: o.body } : {}),
  ...(o.amount ? { amount: o.amount } : { duration: o.duration ?? 5 }),
};
if (o.tokensFile) {
  const tokens = readFileSync(o.tokensFile, 'utf8').split('\n').filter(Boolean);
  let i = 0;
  opts.amount = Math.min(o.amount ?? tokens.length, tokens.length);
  delete opts.duration;
  opts.requests = [
    {
      setupRequest(req) {
        return { ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` } };
      },
      onResponse() {
        lastResponse = process.hrtime.bigint();
      },
    },
  ];
}
// autocannon checks an `amount` run's end on its 1-second tick, so its duration is whole seconds
// late: a run of a fixed number of requests is timed here, from start to its last response.
let lastResponse = 0n;
const started = process.hrtime.bigint();
autocannon(opts, (err, r) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  const seconds = lastResponse > 0n ? Number(lastResponse - started) / 1e9 : r.duration; // autocannon: seconds
  process.stdout.write(
    `${JSON.stringify({
      rps: r.requests.total / seconds,
      total: r.requests.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      statuses: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
    })}\n`,
  );
});
