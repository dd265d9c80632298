import { SERVICE_NAMES, isServiceName, type ServiceName } from '../services.js';

/** Services the all-in-one runtime starts unless told otherwise (auth-app and auth-apikey are opt-in, as in oCIS). */
export const DEFAULT_RUN_SERVICES: readonly ServiceName[] = ['auth-bearer', 'auth-basic', 'proxy'];

const parse = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * GATEHOUSE_RUN_SERVICES (exclusive list) or the defaults, plus GATEHOUSE_ADD_RUN_SERVICES,
 * minus GATEHOUSE_EXCLUDE_RUN_SERVICES. Unknown names are an error, not silently ignored.
 */
export function resolveRunSet(env: Record<string, string | undefined>): ServiceName[] {
  const run = parse(env.GATEHOUSE_RUN_SERVICES);
  const add = parse(env.GATEHOUSE_ADD_RUN_SERVICES);
  const exclude = parse(env.GATEHOUSE_EXCLUDE_RUN_SERVICES);
  const unknown = [...run, ...add, ...exclude].filter((s) => !isServiceName(s));
  if (unknown.length > 0) throw new Error(`unknown service(s): ${unknown.join(', ')} (known: ${SERVICE_NAMES.join(', ')})`);
  const base = run.length > 0 ? (run as ServiceName[]) : [...DEFAULT_RUN_SERVICES];
  const set = new Set<ServiceName>([...base, ...(add as ServiceName[])]);
  for (const e of exclude) set.delete(e as ServiceName);
  return SERVICE_NAMES.filter((s) => set.has(s));
}
