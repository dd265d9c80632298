import * as authApp from '@gatehouse/auth-app';
import * as authApiKey from '@gatehouse/auth-apikey';
import * as authBasic from '@gatehouse/auth-basic';
import * as authBearer from '@gatehouse/auth-bearer';
import * as proxy from '@gatehouse/proxy';
import type { Env, ServiceApp, ServiceDeps } from '@gatehouse/shared';

/** One deployable: how to read its config and build it. Explicit wiring, no discovery. */
export interface ServiceModule {
  name: ServiceName;
  loadConfig(env: Env): unknown;
  createApp(config: unknown, deps: ServiceDeps): ServiceApp;
}

export const SERVICE_NAMES = ['auth-bearer', 'auth-basic', 'auth-app', 'auth-apikey', 'proxy'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Started in this order (proxy last: it needs the others' JWKS and revocation lists). */
export const SERVICES: Record<ServiceName, ServiceModule> = {
  'auth-bearer': {
    name: 'auth-bearer',
    loadConfig: (e) => authBearer.loadConfig(e),
    createApp: (c, d) => authBearer.createApp(c as authBearer.Config, d),
  },
  'auth-basic': {
    name: 'auth-basic',
    loadConfig: (e) => authBasic.loadConfig(e),
    createApp: (c, d) => authBasic.createApp(c as authBasic.Config, d),
  },
  'auth-app': {
    name: 'auth-app',
    loadConfig: (e) => authApp.loadConfig(e),
    createApp: (c, d) => authApp.createApp(c as authApp.Config, d),
  },
  'auth-apikey': {
    name: 'auth-apikey',
    loadConfig: (e) => authApiKey.loadConfig(e),
    createApp: (c, d) => authApiKey.createApp(c as authApiKey.Config, d),
  },
  proxy: { name: 'proxy', loadConfig: (e) => proxy.loadConfig(e), createApp: (c, d) => proxy.createApp(c as proxy.Config, d) },
};

/** Config schemas, for the docker-compose consistency test and `gatehouse env`. */
export const CONFIG_SCHEMAS = {
  'auth-bearer': authBearer.configSchema,
  'auth-basic': authBasic.configSchema,
  'auth-app': authApp.configSchema,
  'auth-apikey': authApiKey.configSchema,
  proxy: proxy.configSchema,
};

export function isServiceName(s: string): s is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(s);
}
