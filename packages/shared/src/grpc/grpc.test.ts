import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { ERROR_CODES, GatehouseError, type ErrorCode } from '../errors.js';
import { GRPC_STATUS } from '../grpc-status.js';
import { createUserClient, type UserClient } from './clients.js';
import { startUserService } from './user-service.fixture.js';

type HealthResponse = { status: string };
const HealthClient = grpc.makeClientConstructor(healthService, 'grpc.health.v1.Health');

function healthCheck(port: number, service = ''): Promise<string> {
  const client = new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (v: { service: string }) => Buffer.from(healthService.Check!.requestSerialize(v)),
      (b: Buffer) => healthService.Check!.responseDeserialize(b) as HealthResponse,
      { service },
      { deadline: Date.now() + 1000 },
      (err: grpc.ServiceError | null, res?: HealthResponse) => (err ? reject(err) : resolve(res!.status)),
    );
  }).finally(() => client.close());
}

const rejection = async (p: Promise<unknown>): Promise<GatehouseError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatehouseError);
  return err as GatehouseError;
};

describe('gRPC server and client helpers (real server on 127.0.0.1:0)', () => {
  let fixture: ReturnType<typeof startUserService>;
  let port: number;
  let client: UserClient;

  beforeAll(async () => {
    fixture = startUserService();
    port = await fixture.server.listen('127.0.0.1:0');
    client = createUserClient(`127.0.0.1:${port}`, { deadlineMs: 1500 });
  });
  afterAll(async () => {
    client.close();
    await fixture.server.stop(100);
  });

  it('answers a call', async () => {
    const u = await client.GetUser({ id: 'ok:1' });
    expect(u).toMatchObject({ id: 'ok:1', email: 'ok:1@example.com' });
  });

  it('round-trips every GatehouseError code (code, public message, retry-after) to the client', async () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      if (code === 'INTERNAL') continue;
      const err = await rejection(client.CreateUser({ email: `throw:${code}` }));
      expect([code, err.code, err.message]).toEqual([code, code, ERROR_CODES[code].message]);
      expect(err.detail).not.toContain('private detail');
    }
    const limited = await rejection(client.CreateUser({ email: 'throw:REQUESTS_EXCEEDED' }));
    expect(limited.retryAfter).toBe(7);
    expect(limited.httpStatus).toBe(429);
  });

  it('carries public extensions across (the invalid field)', async () => {
    const err = await rejection(client.CreateUser({ email: 'throw:FAILED_VALIDATION' }));
    expect(err.extensions).toEqual({ field: 'email' });
  });

  it('turns an unknown server error into INTERNAL with the generic message (nothing leaks)', async () => {
    const err = await rejection(client.CreateUser({ email: 'crash' }));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toBe('An unexpected error occurred.');
    expect(JSON.stringify({ m: err.message, d: err.detail })).not.toContain('hunter2');
  });

  it('translates a handler that throws synchronously instead of crashing the server', async () => {
    const err = await rejection(client.GetUser({ id: 'sync-crash' }));
    expect(err.code).toBe('INTERNAL');
    await expect(client.GetUser({ id: 'ok:after-crash' })).resolves.toMatchObject({ id: 'ok:after-crash' });
  });

  it('enforces the deadline: a slow handler becomes SERVICE_UNAVAILABLE within it, and the handler sees the cancel', async () => {
    const started = Date.now();
    const err = await rejection(client.GetUser({ id: 'slow:5000' }, { deadlineMs: 300 }));
    const took = Date.now() - started;
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    // GetUser is retried on UNAVAILABLE, but retries share one deadline: no 3 × 300 ms.
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(700);
    const until = Date.now() + 1000;
    while (!fixture.aborted.includes('slow:5000') && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(fixture.aborted).toContain('slow:5000');
    expect(fixture.hits.get('slow:5000')).toBe(1);
  });

  it('retries an idempotent read that fails UNAVAILABLE, and succeeds', async () => {
    await expect(client.GetUser({ id: 'flaky:2:a' })).resolves.toMatchObject({ id: 'flaky:2:a' });
    expect(fixture.hits.get('flaky:2:a')).toBe(3);
  });

  it('gives up on an idempotent read after the configured retries', async () => {
    const err = await rejection(client.GetUser({ id: 'flaky:10:b' }));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(fixture.hits.get('flaky:10:b')).toBe(3); // 1 + 2 retries
  });

  it('never retries a non-idempotent call (CreateUser runs once)', async () => {
    const err = await rejection(client.CreateUser({ email: 'flaky:2:c' }));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(fixture.hits.get('flaky:2:c')).toBe(1);
  });

  it('never retries an error that is not UNAVAILABLE', async () => {
    await rejection(client.GetUser({ id: 'throw:FORBIDDEN:once' }));
    expect(fixture.hits.get('throw:FORBIDDEN:once')).toBe(1);
  });

  it('uses a sane x-request-id as the call id and replaces an unsafe one', async () => {
    const md = new grpc.Metadata();
    md.set('x-request-id', 'req-123');
    await client.GetUser({ id: 'ok:rid' }, { metadata: md });
    const bad = new grpc.Metadata();
    bad.set('x-request-id', 'x'.repeat(300));
    await client.GetUser({ id: 'ok:rid2' }, { metadata: bad });
    expect(fixture.seenRequestIds[0]).toBe('req-123');
    expect(fixture.seenRequestIds[1]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records per-RPC metrics (count by code, latency) without clobbering the service label', async () => {
    const text = await fixture.metrics.registry.metrics();
    const series = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));
    const okGets = series('gatehouse_grpc_server_handled_total').find(
      (l) => l.includes('grpc_method="GetUser"') && l.includes('grpc_code="OK"'),
    );
    expect(okGets).toContain('grpc_service="gatehouse.v1.UserService"');
    expect(okGets).toContain('service="fixture"');
    expect(Number(okGets!.split(' ').pop())).toBeGreaterThanOrEqual(3);
    const denied = series('gatehouse_grpc_server_handled_total').find(
      (l) => l.includes('grpc_method="CreateUser"') && l.includes('grpc_code="PERMISSION_DENIED"'),
    );
    const deniedCodes = Object.values(ERROR_CODES).filter((c) => c.grpc === GRPC_STATUS.PERMISSION_DENIED).length;
    expect(denied?.endsWith(` ${deniedCodes}`)).toBe(true);
    const latency = series('gatehouse_grpc_server_handling_seconds_count').find((l) => l.includes('grpc_method="GetUser"'));
    expect(latency).toContain('service="fixture"');
  });

  it('answers grpc.health.v1 Check with SERVING for the server and each service', async () => {
    expect(await healthCheck(port)).toBe('SERVING');
    expect(await healthCheck(port, 'gatehouse.v1.UserService')).toBe('SERVING');
    await expect(healthCheck(port, 'no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('fails fast with SERVICE_UNAVAILABLE when nothing listens', async () => {
    const dead = createUserClient('127.0.0.1:1', { deadlineMs: 1000 });
    const started = Date.now();
    const err = await rejection(dead.CreateUser({ email: 'ok:x' }));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1000);
    dead.close();
  });
});

describe('gRPC graceful shutdown', () => {
  it('lets an in-flight call finish, turns health NOT_SERVING, then refuses new calls', async () => {
    const fixture = startUserService();
    const port = await fixture.server.listen('127.0.0.1:0');
    const client = createUserClient(`127.0.0.1:${port}`, { deadlineMs: 3000 });
    expect(await healthCheck(port)).toBe('SERVING');

    // A health watcher (as a load balancer holds one) sees NOT_SERVING when stop begins.
    const watcher = new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const statuses: string[] = [];
    const stream = watcher.makeServerStreamRequest(
      '/grpc.health.v1.Health/Watch',
      (v: { service: string }) => Buffer.from(healthService.Watch!.requestSerialize(v)),
      (b: Buffer) => healthService.Watch!.responseDeserialize(b) as HealthResponse,
      { service: '' },
    );
    stream.on('data', (d: HealthResponse) => statuses.push(d.status));
    const streamEnded = new Promise<void>((resolve) => stream.on('status', () => resolve()));
    stream.on('error', () => undefined);
    while (statuses.length === 0) await new Promise((r) => setTimeout(r, 10));

    const inflight = client.GetUser({ id: 'slow:400' });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await fixture.server.stop(5000);
    const stopTook = Date.now() - started;

    await expect(inflight).resolves.toMatchObject({ id: 'slow:400' });
    expect(fixture.aborted).not.toContain('slow:400');
    // Waited for the call, but not for the (never-ending) health stream.
    expect(stopTook).toBeGreaterThanOrEqual(200);
    expect(stopTook).toBeLessThan(2000);
    await streamEnded;
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);

    await expect(healthCheck(port)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    const err = await rejection(client.CreateUser({ email: 'ok:late' }));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    client.close();
    watcher.close();
  });

  it('forces the shutdown after the grace period when a call runs too long', async () => {
    const fixture = startUserService();
    const port = await fixture.server.listen('127.0.0.1:0');
    const client = createUserClient(`127.0.0.1:${port}`, { deadlineMs: 5000 });
    const inflight = client.CreateUser({ email: 'slow:10000' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await fixture.server.stop(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await inflight).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    client.close();
  });
});

describe('GRPC_STATUS', () => {
  it("has grpc-js's numbers for every status the error model uses", () => {
    for (const [name, code] of Object.entries(GRPC_STATUS))
      expect([name, code]).toEqual([name, grpc.status[name as keyof typeof grpc.status]]);
  });
});
