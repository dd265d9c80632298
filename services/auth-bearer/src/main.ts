import { connectBackends, createLogger, systemClock } from '@gatehouse/shared';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig(process.env);
const logger = createLogger({ service: 'auth-bearer', level: config.LOG_LEVEL });
const { store, bus } = await connectBackends({ redisUrl: config.REDIS_URL, natsUrl: config.NATS_URL, natsCredsFile: config.NATS_CREDS_FILE, name: 'auth-bearer', logger, allowMemory: false });
const app = createApp(config, { store, bus, logger, clock: systemClock });
await app.start();

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'draining');
  void app
    .stop()
    .then(() => Promise.all([store.close(), bus.close()]))
    .then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
