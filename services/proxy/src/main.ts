import { connectBackends, createLogger, systemClock } from '@gatehouse/shared';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig(process.env);
const logger = createLogger({ service: 'proxy', level: config.LOG_LEVEL });
const { store, bus } = await connectBackends({ redisUrl: config.REDIS_URL, natsUrl: config.NATS_URL, natsCredsFile: config.NATS_CREDS_FILE, name: 'proxy', logger, allowMemory: false });
const app = createApp(config, { store, bus, logger, clock: systemClock });
const ports = await app.start();
logger.info(ports, 'proxy listening');

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'draining');
  void app
    .stop()
    .then(() => Promise.all([bus.close(), store.close()]))
    .then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
