import { connectBackends, createLogger, flushLogs, type Logger, type ServiceApp } from '@gatehouse/shared';
import { SERVICES, type ServiceName } from '../services.js';
import { startWhoami } from '../whoami/whoami-server.js';
import { clientOptions } from '../commands/grpc-target.js';
import { startupBanner, type BannerInfo } from './banner.js';
import { bootstrapAdmin } from './bootstrap-admin.js';
import { DEFAULT_ADDRS, withDerivedEndpoints } from './endpoints.js';
import { logDestination } from './log-destination.js';
import { resolveRunSet } from './run-set.js';
import { ensureSecret } from './secret.js';

export interface RunningRuntime {
  services: ServiceName[];
  ports: Record<string, { http?: number; grpc?: number; debug: number }>;
  /** Drains the proxy first, then the services, then closes the store and bus. */
  stop(): Promise<void>;
}

export interface AllInOneOptions {
  logger?: Logger;
  /** Where one-time output (the generated admin password, the start-up banner) goes. */
  print?: (line: string) => void;
  dataDir?: string;
  /** Human-readable logs (main.ts: stdout is a terminal); JSON lines otherwise. */
  prettyLogs?: boolean;
}

/**
 * `gatehouse server`: every selected service in one process, each on its own ports, calling each
 * other over gRPC on loopback exactly as when distributed. In-memory store and bus unless
 * REDIS_URL / NATS_URL are set.
 */
export async function startAllInOne(rawEnv: Record<string, string | undefined>, opts: AllInOneOptions = {}): Promise<RunningRuntime> {
  const level = rawEnv.LOG_LEVEL ?? 'info';
  const destination = logDestination(opts.prettyLogs === true);
  const logger = opts.logger ?? createLogger({ service: 'gatehouse', level, destination });
  // Each service logs under its own `service` name (a child logger would repeat the key).
  const serviceLogger = (name: string) =>
    opts.logger ? opts.logger.child({ component: name }) : createLogger({ service: name, level, destination });
  // The lines logged so far go first: the log destination batches its writes.
  const print =
    opts.print ??
    ((l: string) => {
      flushLogs();
      process.stdout.write(`${l}\n`);
    });
  const names = resolveRunSet(rawEnv);
  const env = withDerivedEndpoints(rawEnv, names);
  env.GATEHOUSE_SECRET = ensureSecret(env, opts.dataDir ?? env.GATEHOUSE_DATA_DIR ?? '.gatehouse', logger);
  delete env.GATEHOUSE_SECRET_FILE;

  // Every config is validated before anything starts, so all problems show at once.
  const configs = new Map<ServiceName, unknown>();
  const problems: string[] = [];
  for (const name of names) {
    try {
      configs.set(name, SERVICES[name].loadConfig(env));
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));

  // Validated (and `_FILE` resolved) by every service's config; any one of them carries the shared values.
  const common = configs.get(names[0]!) as { REDIS_SENTINEL_PASSWORD?: string } | undefined;
  const { store, bus } = await connectBackends({
    redisUrl: env.REDIS_URL,
    redisSentinelPassword: common?.REDIS_SENTINEL_PASSWORD,
    natsUrl: env.NATS_URL,
    natsCredsFile: env.NATS_CREDS_FILE,
    name: 'gatehouse',
    logger,
    allowMemory: true,
  });
  logger.info({ store: store.kind, bus: bus.kind, services: names }, 'starting gatehouse');

  const started: Array<{ name: string; app: ServiceApp }> = [];
  const ports: RunningRuntime['ports'] = {};
  const whoami = await startWhoami({ addr: env.WHOAMI_HTTP_ADDR!, identityJwksUrl: env.GATEHOUSE_IDENTITY_JWKS_URL! });
  ports.whoami = { http: whoami.port, debug: 0 };

  const stop = async () => {
    for (const { name, app } of [...started].reverse()) {
      try {
        await app.stop();
      } catch (err) {
        logger.error({ err, service: name }, 'stop failed');
      }
    }
    await whoami.close(2000);
    await bus.close();
    await store.close();
  };

  let admin: BannerInfo['admin'];
  try {
    for (const name of names) {
      const app = SERVICES[name].createApp(configs.get(name), {
        store,
        bus,
        clock: { now: () => Date.now() },
        logger: serviceLogger(name),
      });
      ports[name] = await app.start();
      started.push({ name, app });
      if (name === 'auth-basic') {
        const email = env.GATEHOUSE_ADMIN_EMAIL || 'admin@example.com';
        const outcome = await bootstrapAdmin({
          endpoint: env.AUTH_BASIC_GRPC_ENDPOINT!,
          tls: clientOptions(env).tls,
          email: env.GATEHOUSE_ADMIN_EMAIL,
          password: env.GATEHOUSE_ADMIN_PASSWORD,
          logger,
          print,
        });
        admin = { email, outcome, passwordFromEnv: Boolean(env.GATEHOUSE_ADMIN_PASSWORD) };
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  logger.info({ ports }, 'gatehouse is up');
  for (const line of startupBanner({
    services: names,
    ports,
    proxyHttpAddr: env.PROXY_HTTP_ADDR ?? DEFAULT_ADDRS.PROXY_HTTP_ADDR!,
    proxyDebugAddr: env.PROXY_DEBUG_ADDR ?? DEFAULT_ADDRS.PROXY_DEBUG_ADDR!,
    store: store.kind,
    bus: bus.kind,
    admin,
  }))
    print(line);
  return { services: names, ports, stop };
}
