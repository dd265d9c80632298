import { connectBackends, createLogger } from '@gatehouse/shared';
import { SERVICES, type ServiceName } from '../services.js';
import type { RunningRuntime } from './all-in-one.js';

/** `gatehouse <service> server`: the deployable form. Requires REDIS_URL and NATS_URL. */
export async function startSingleService(name: ServiceName, env: Record<string, string | undefined>): Promise<RunningRuntime> {
  const logger = createLogger({ service: name, level: env.LOG_LEVEL ?? 'info' });
  const config = SERVICES[name].loadConfig(env);
  const { store, bus } = await connectBackends({ redisUrl: env.REDIS_URL, natsUrl: env.NATS_URL, natsCredsFile: env.NATS_CREDS_FILE, name, logger, allowMemory: false });
  const app = SERVICES[name].createApp(config, { store, bus, logger, clock: { now: () => Date.now() } });
  const ports = { [name]: await app.start() };
  logger.info({ ports }, `${name} is up`);
  return {
    services: [name],
    ports,
    stop: async () => {
      await app.stop();
      await bus.close();
      await store.close();
    },
  };
}
