import { z } from 'zod';
import { env } from './config.js';
import type { GrpcTlsConfig } from './grpc/tls.js';
import { parseRedisUrl } from './store/redis-url.js';

/** Why a REDIS_URL is refused, or undefined when it is fine (the message never echoes the value). */
const redisUrlProblem = (v: string): string | undefined => {
  try {
    parseRedisUrl(v);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

/**
 * Variables every service shares. Services spread `commonEnv` into their own zod object, e.g.
 * `z.object({ ...commonEnv, AUTH_BASIC_HTTP_ADDR: env.addr('127.0.0.1:9220') })`.
 */
export const commonEnv = {
  /** Master secret (≥ 32 chars): encrypts keys at rest, keys HMACs. `GATEHOUSE_SECRET_FILE` works too. */
  GATEHOUSE_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** The public base URL of the proxy: token issuer, links in e-mails. */
  PUBLIC_URL: z
    .string()
    .url()
    .default('http://127.0.0.1:9200')
    .transform((u) => u.replace(/\/+$/, '')),
  /** One server (redis://, rediss://), Sentinel (redis-sentinel://) or Cluster (redis-cluster://). */
  REDIS_URL: z
    .string()
    .superRefine((v, ctx) => {
      const problem = redisUrlProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** The sentinels' own password (redis-sentinel:// only), when they require one. `_FILE` works too. */
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  /** One NATS server or several, comma-separated (members of one cluster): nats://host:4222[,nats://host:4222]. */
  NATS_URL: z
    .string()
    .refine((v) => v.split(',').every((u) => /^nats:\/\/[^\s,]+$/.test(u.trim())), 'expected nats://host:port, or several comma-separated')
    .optional(),
  NATS_CREDS_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEHOUSE_GRPC_TLS_ENABLED: env.bool(false),
  GATEHOUSE_GRPC_TLS_CERT: z.string().optional(),
  GATEHOUSE_GRPC_TLS_KEY: z.string().optional(),
  GATEHOUSE_GRPC_TLS_CA: z.string().optional(),
  GATEHOUSE_GRPC_TLS_CLIENT_AUTH: env.bool(false),
  /**
   * Lets a service listen for internal gRPC beyond loopback without mutual TLS (the network alone is
   * trusted). Off: such a service refuses to start, and the admin CLI refuses a remote target without
   * its client certificate.
   */
  GATEHOUSE_GRPC_ALLOW_INSECURE: env.bool(false),
  /** Where the services reach each other over gRPC. */
  AUTH_BEARER_GRPC_ENDPOINT: z.string().default('127.0.0.1:9211'),
  AUTH_BASIC_GRPC_ENDPOINT: z.string().default('127.0.0.1:9221'),
  AUTH_APP_GRPC_ENDPOINT: z.string().default('127.0.0.1:9231'),
  /** Default deadline of internal gRPC calls. */
  GATEHOUSE_GRPC_DEADLINE: env.duration('2s'),
  /** The proxy's identity-header JWKS, for services behind the proxy (requireIdentity). */
  GATEHOUSE_IDENTITY_JWKS_URL: z.string().url().default('http://127.0.0.1:9200/.well-known/gatehouse/jwks.json'),
  /** `aud` of access tokens, checked by every verifier. */
  ACCESS_TOKEN_AUDIENCE: z.string().default('gatehouse'),
};

export type CommonConfig = z.infer<z.ZodObject<typeof commonEnv>>;

export function grpcTlsFrom(c: CommonConfig): GrpcTlsConfig {
  return {
    enabled: c.GATEHOUSE_GRPC_TLS_ENABLED,
    certFile: c.GATEHOUSE_GRPC_TLS_CERT,
    keyFile: c.GATEHOUSE_GRPC_TLS_KEY,
    caFile: c.GATEHOUSE_GRPC_TLS_CA,
    requireClientCert: c.GATEHOUSE_GRPC_TLS_CLIENT_AUTH,
  };
}

/** Cookie settings shared by the services that set or read auth cookies (auth-basic, auth-bearer). */
export const cookieEnv = {
  REFRESH_TOKEN_COOKIE_NAME: z
    .string()
    .regex(/^[\w-]+$/)
    .default('gatehouse_refresh_token'),
  SESSION_COOKIE_NAME: z
    .string()
    .regex(/^[\w-]+$/)
    .default('gatehouse_session_token'),
  /** Defaults to true when PUBLIC_URL is https. */
  COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  COOKIE_SAME_SITE: z.enum(['lax', 'strict', 'none']).default('lax'),
  COOKIE_DOMAIN: z.string().optional(),
};
