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

/** A service package's two entry points, typed by its own Config. */
interface ServicePackage<C> {
  loadConfig(env: Env): C;
  createApp(config: C, deps: ServiceDeps): ServiceApp;
}

const service = <C>(name: ServiceName, pkg: ServicePackage<C>): ServiceModule => ({
  name,
  loadConfig: (e) => pkg.loadConfig(e),
  createApp: (c, d) => pkg.createApp(c as C, d),
});

/** Started in this order (proxy last: it needs the others' JWKS and revocation lists). */
export const SERVICES: Record<ServiceName, ServiceModule> = {
  'auth-bearer': service('auth-bearer', authBearer),
  'auth-basic': service('auth-basic', authBasic),
  'auth-app': service('auth-app', authApp),
  'auth-apikey': service('auth-apikey', authApiKey),
  proxy: service('proxy', proxy),
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

/**
 * Variables of the all-in-one runtime itself (`gatehouse server`), beside the services' schemas:
 * for the generated docs table and the manifest checks.
 */
export const RUNTIME_ENV: Record<string, { default: string; description: string }> = {
  GATEHOUSE_RUN_SERVICES: {
    default: 'auth-bearer,auth-basic,proxy',
    description: 'The exclusive list of services `gatehouse server` starts.',
  },
  GATEHOUSE_ADD_RUN_SERVICES: { default: '', description: 'Services added to the default set (e.g. auth-app).' },
  GATEHOUSE_EXCLUDE_RUN_SERVICES: { default: '', description: 'Services removed from the set.' },
  GATEHOUSE_ADMIN_EMAIL: { default: 'admin@example.com', description: 'The bootstrap admin created at first start.' },
  GATEHOUSE_ADMIN_PASSWORD: { default: 'generated, printed once', description: 'The bootstrap admin password.' },
  GATEHOUSE_DATA_DIR: { default: '.gatehouse', description: 'Where a generated GATEHOUSE_SECRET is kept when none is set.' },
  WHOAMI_HTTP_ADDR: { default: '127.0.0.1:9250', description: 'The built-in `/whoami` demo upstream.' },
};
