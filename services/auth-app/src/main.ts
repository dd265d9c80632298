import { connectBackends, createLogger, systemClock } from '@gatehouse/shared';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig(process.env);
const logger = createLogger({ service: 'auth-app', level: config.LOG_LEVEL });
const { store, bus } = await connectBackends({ redisUrl: config.REDIS_URL, natsUrl: config.NATS_URL, natsCredsFile: config.NATS_CREDS_FILE, name: 'auth-app', logger, allowMemory: false });
const app = createApp(config, { store, bus, logger, clock: systemClock });
await app.start();

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'auth-app stopping');
  void (async () => {
    await app.stop();
    await bus.close();
    await store.close();
    process.exit(0);
  })();
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
