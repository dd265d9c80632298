import { runService, type RunnableService } from '@gatehouse/shared';
import { SERVICES, type ServiceName } from '../services.js';

/**
 * `gatehouse <service> server`: the deployable form, the same lifecycle as each service's own
 * main.ts (shared `runService`): Redis and NATS required, drain on SIGTERM, exit 0.
 */
export async function runSingleService(name: ServiceName, env: Record<string, string | undefined>): Promise<void> {
  await runService(SERVICES[name] as unknown as RunnableService<{ LOG_LEVEL: string }>, env);
}
