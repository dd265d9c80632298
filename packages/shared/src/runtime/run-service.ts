import type { Logger } from 'pino';
import { systemClock } from '../clock.js';
import type { Env } from '../config.js';
import { createLogger } from '../logger.js';
import { connectBackends, type ServiceApp, type ServiceDeps } from './deps.js';

export interface RunnableService<
  C extends {
    LOG_LEVEL: string;
    REDIS_URL?: string | undefined;
    REDIS_SENTINEL_PASSWORD?: string | undefined;
    NATS_URL?: string | undefined;
    NATS_CREDS_FILE?: string | undefined;
  },
> {
  name: string;
  loadConfig(env: Env): C;
  createApp(config: C, deps: ServiceDeps): ServiceApp;
}

/**
 * The body of every service's main.ts: config from the environment, Redis and NATS (required when
 * a service runs alone), start, then drain on SIGTERM/SIGINT and exit 0 (1 if draining failed);
 * a second signal during the drain exits 1 at once.
 */
export async function runService<
  C extends {
    LOG_LEVEL: string;
    REDIS_URL?: string | undefined;
    REDIS_SENTINEL_PASSWORD?: string | undefined;
    NATS_URL?: string | undefined;
    NATS_CREDS_FILE?: string | undefined;
  },
>(svc: RunnableService<C>, env: Env = process.env): Promise<{ logger: Logger; stop: () => Promise<void> }> {
  const config = svc.loadConfig(env);
  const logger = createLogger({ service: svc.name, level: config.LOG_LEVEL });
  const { store, bus } = await connectBackends({
    redisUrl: config.REDIS_URL,
    redisSentinelPassword: config.REDIS_SENTINEL_PASSWORD,
    natsUrl: config.NATS_URL,
    natsCredsFile: config.NATS_CREDS_FILE,
    name: svc.name,
    logger,
    allowMemory: false,
  });
  const app = svc.createApp(config, { store, bus, logger, clock: systemClock });
  const ports = await app.start();
  logger.info({ ports }, `${svc.name} is up`);
  const stop = async () => {
    await app.stop();
    await Promise.all([store.close(), bus.close()]);
  };
  let stopping = false;
  const shutdown = (signal: string) => {
    // An operator who signals again does not want to wait for the drain (Kubernetes never does;
    // a person at a terminal pressing Ctrl-C twice does): exit at once, in-flight requests cut.
    if (stopping) {
      logger.warn({ signal }, 'second signal while draining: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return { logger, stop };
}
