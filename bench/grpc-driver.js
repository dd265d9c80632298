// gRPC load in its own process (grpc-js clients, `inFlight` calls outstanding for `duration` s):
// `node bench/grpc-driver.js '<json>'` prints one JSON result line.
//   method: 'CheckToken' (mgmt.v1alpha1.AuthService, `authorization: Bearer <token>` metadata) or
//   'RefreshToken' (login.v1.LoginService; each in-flight slot follows its own refresh-token chain,
//   since every refresh rotates the token: `refreshTokens` holds one starting token per slot).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const o = JSON.parse(process.argv[2]);
const def = loader.loadSync([join(root, 'proto/login/v1/login.proto'), join(root, 'proto/mgmt/v1alpha1/auth.proto')], {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  includeDirs: [join(root, 'proto')],
});
const pkg = grpc.loadPackageDefinition(def);
const clients = Array.from({ length: o.channels ?? 4 }, (_, i) =>
  o.method === 'CheckToken'
    ? new pkg.mgmt.v1alpha1.AuthService(o.addr, grpc.credentials.createInsecure(), { 'grpc.channel_id': i })
    : new pkg.login.v1.LoginService(o.addr, grpc.credentials.createInsecure(), { 'grpc.channel_id': i }),
);
const inFlight = o.inFlight ?? 32;
const end = Date.now() + (o.duration ?? 5) * 1000;
const lat = [];
let ok = 0;
let errors = 0;
let firstError;

function call(slot, state) {
  const c = clients[slot % clients.length];
  const t = process.hrtime.bigint();
  const done = (err, res) => {
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (err) {
      errors++;
      firstError ??= `${err.code} ${err.details}`;
    } else {
      ok++;
      if (res?.refresh_token) state.refresh = res.refresh_token;
    }
    if (Date.now() < end && !(err && errors > 1000)) call(slot, state);
    else state.resolve();
  };
  if (o.method === 'CheckToken') {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${o.token}`);
    c.CheckToken({}, md, done);
  } else c.RefreshToken({ refresh_token: state.refresh }, done);
}

const started = Date.now();
const states = Array.from({ length: inFlight }, (_, slot) => ({ refresh: o.refreshTokens?.[slot] }));
await Promise.all(
  states.map(
    (state, slot) =>
      new Promise((resolve) => {
        state.resolve = resolve;
        call(slot, state);
      }),
  ),
);
const secs = (Date.now() - started) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ rps: ok / secs, total: ok, p50: q(0.5), p99: q(0.99), non2xx: 0, errors, firstError, refreshTokens: states.map((s) => s.refresh) })}\n`,
);
for (const c of clients) c.close();
