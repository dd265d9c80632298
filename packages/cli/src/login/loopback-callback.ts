import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { callbackPage, type Page } from './callback-page.js';

/** Neosync's CLI callback: http://127.0.0.1:4242/api/auth/callback. */
export const CALLBACK_PATH = '/api/auth/callback';
export const FIRST_CALLBACK_PORT = 4242;
/** Ports tried after 4242 before any free port is taken. */
const PORT_ATTEMPTS = 20;

/** The authorization response that carried the expected state; its browser waits for `finish`. */
export interface CallbackHit {
  code: string;
  /** RFC 9207: the issuer that answered, when the IdP says. */
  iss: string | undefined;
  /** Answers the waiting browser. */
  finish(page: Page): void;
}

export interface LoopbackCallback {
  redirectUri: string;
  /**
   * Resolves with the first response carrying `state`. Responses with another state (a page in the
   * browser trying to slip its own code in) get a 400 page and are otherwise ignored: they can
   * neither complete nor abort this login. An error response with the right state rejects.
   */
  wait(state: string, timeoutMs: number): Promise<CallbackHit>;
  close(): Promise<void>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Constant-time: the listener must not tell a guessing page how much of the state it got right. */
const sameState = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

const send = (res: ServerResponse, p: Page) => res.writeHead(p.status, p.headers).end(p.body);

async function listenOn(server: Server, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') resolve(false);
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/**
 * The CLI's redirect target: an HTTP listener on 127.0.0.1 only (never another interface), on
 * 4242 or the next free port, serving one path. It hands over the first authorization response
 * whose state matches the login in progress.
 */
export async function listenForCallback(firstPort = FIRST_CALLBACK_PORT): Promise<LoopbackCallback> {
  let waiting: { state: string; resolve(hit: CallbackHit): void; reject(err: Error): void } | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== CALLBACK_PATH) return send(res, callbackPage(404, 'Not found', 'Nothing here.'));
    if (req.method !== 'GET') return send(res, callbackPage(405, 'Method not allowed', 'Only the sign-in redirect comes here.'));
    const state = url.searchParams.get('state');
    const w = waiting;
    if (!w || state === null || !sameState(state, w.state))
      return send(
        res,
        callbackPage(400, 'Unexpected sign-in response', 'This response does not belong to the sign-in in progress, and was ignored.'),
      );
    waiting = undefined;
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error !== null || !code) {
      const why = (error ?? 'no code').replace(/[^\w.-]/g, '').slice(0, 64);
      send(res, callbackPage(400, 'Sign-in refused', `The identity provider answered: ${why}. You may close this window.`));
      return w.reject(new Error(`the sign-in was refused at the identity provider: ${why}`));
    }
    w.resolve({ code, iss: url.searchParams.get('iss') ?? undefined, finish: (p) => send(res, p) });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  let bound = false;
  for (let i = 0; i < PORT_ATTEMPTS && !bound; i++) bound = await listenOn(server, firstPort + i);
  if (!bound) await listenOn(server, 0);
  const port = (server.address() as { port: number }).port;

  return {
    redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    wait(state, timeoutMs) {
      return new Promise<CallbackHit>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          reject(new Error(`no sign-in within ${Math.round(timeoutMs / 1000)} s: run \`gatehouse login\` again`));
        }, timeoutMs);
        const done = () => clearTimeout(timer);
        waiting = {
          state,
          resolve: (hit) => (done(), resolve(hit)),
          reject: (err) => (done(), reject(err)),
        };
      });
    },
    // Idle connections go at once; a response still being written gets a moment to reach the browser.
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 1000);
        server.close(() => (clearTimeout(force), resolve()));
        server.closeIdleConnections();
      }),
  };
}
