import type { UserServiceHandlers } from '../gen/gatehouse/v1/UserService.js';
import type { User } from '../gen/gatehouse/v1/User.js';
import { GatehouseError, isErrorCode } from '../errors.js';
import { createLogger } from '../logger.js';
import { Metrics } from '../observability/metrics.js';
import { loadProtos } from './proto.js';
import { GrpcServer, type AsyncHandlers, type GrpcServerOptions } from './server.js';

/**
 * A real gatehouse.v1.UserService for the gRPC tests. GetUser (idempotent) and CreateUser (not)
 * behave according to the id / email they are sent:
 * `ok:<x>` answers; `slow:<ms>` answers after ms (or stops when cancelled); `throw:<CODE>` throws that
 * GatehouseError; `crash` throws a plain Error; `sync-crash` throws synchronously; `flaky:<n>:<key>`
 * fails SERVICE_UNAVAILABLE n times per key, then answers.
 */
export function startUserService(opts: Partial<GrpcServerOptions> = {}) {
  const hits = new Map<string, number>();
  const aborted: string[] = [];
  const seenRequestIds: string[] = [];
  const metrics = opts.metrics ?? new Metrics('fixture');
  const logger = opts.logger ?? createLogger({ service: 'fixture', level: 'silent' });

  const user = (id: string): User => ({
    id,
    email: `${id}@example.com`,
    name: id,
    roles: [],
    groups: [],
    status: 'active',
    provider: 'local',
    totp_enabled: false,
    created_at_ms: 1,
    updated_at_ms: 1,
  });

  const behave = async (what: string, signal: AbortSignal): Promise<User> => {
    hits.set(what, (hits.get(what) ?? 0) + 1);
    const [kind, arg] = what.split(':');
    if (kind === 'slow') {
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(t);
          aborted.push(what);
          resolve();
        };
        const t = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, Number(arg));
        signal.addEventListener('abort', onAbort);
      });
      return user(what);
    }
    if (kind === 'throw' && arg && isErrorCode(arg)) {
      throw new GatehouseError(arg, {
        retryAfter: arg === 'REQUESTS_EXCEEDED' ? 7 : undefined,
        detail: 'private detail',
        extensions: arg === 'FAILED_VALIDATION' ? { field: 'email' } : undefined,
      });
    }
    if (kind === 'crash') throw new Error('database password is hunter2');
    if (kind === 'flaky' && (hits.get(what) ?? 0) <= Number(arg)) throw new GatehouseError('SERVICE_UNAVAILABLE', { retryAfter: 1 });
    return user(what);
  };

  const handlers = {
    GetUser: (req, ctx) => {
      const id = req.id ?? '';
      const rid = ctx.metadata.get('x-request-id')[0];
      if (typeof rid === 'string') seenRequestIds.push(ctx.callId);
      if (id === 'sync-crash') throw new Error('thrown synchronously');
      return behave(id, ctx.signal);
    },
    CreateUser: (req, ctx) => behave(req.email, ctx.signal),
  } as Partial<AsyncHandlers<UserServiceHandlers>> as AsyncHandlers<UserServiceHandlers>;

  const server = new GrpcServer({ logger, metrics, ...opts }).add<UserServiceHandlers>(
    loadProtos().gatehouse.v1.UserService.service,
    handlers,
  );
  return { server, hits, aborted, seenRequestIds, metrics };
}
