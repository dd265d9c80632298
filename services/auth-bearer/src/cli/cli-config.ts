import { z } from 'zod';
import { env, providerVariable, type Env } from '@gatehouse/shared';
import { allowListEntryProblem } from './redirect-uri.js';

/** The CLI login's variables (mgmt.v1alpha1.AuthService), spread into auth-bearer's config schema. */
export const cliEnv = {
  /**
   * An external provider of AUTH_PROVIDERS (driver openid) that CLIs sign in through instead of the
   * built-in IdP. Unset: the built-in IdP (PUBLIC_URL/oidc, client gatehouse-cli).
   */
  AUTH_CLI_PROVIDER: z.string().optional(),
  /**
   * Exact redirect URIs a CLI may use besides loopback (http://127.0.0.1|[::1]:<any port>/…): https,
   * or loopback http, without query. AuthService accepts them and the built-in IdP registers them for gatehouse-cli.
   */
  AUTH_CLI_REDIRECT_ALLOW_LIST: env.list('').transform((list, ctx) => {
    for (const entry of list) {
      const problem = allowListEntryProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
    return list.map((e) => (allowListEntryProblem(e) ? e : new URL(e).href));
  }),
  /** GetAuthorizeUrl, LoginCli and RefreshCli calls per client address per minute (together). */
  AUTH_CLI_RATE_LIMIT: env.int(30, 1, 100_000),
};

/**
 * A variable the CLI login's were folded into: set, it would be silently ignored, so the start
 * fails and names its replacement.
 */
export function replacedCliVariableProblems(e: Env): string[] {
  return e.AUTH_OIDC_CLI_REDIRECT_URIS === undefined
    ? []
    : [
        'AUTH_OIDC_CLI_REDIRECT_URIS: replaced by AUTH_CLI_REDIRECT_ALLOW_LIST (the same exact redirect URIs: AuthService accepts them and the built-in IdP registers them for gatehouse-cli)',
      ];
}

/**
 * AUTH_CLI_PROVIDER must name a listed provider with driver openid (the CLI login needs its ID
 * token). Read from the raw variables, so the problem is reported with every other one even when
 * the provider's own settings are bad.
 */
export function cliProviderProblems(e: Env): string[] {
  const name = e.AUTH_CLI_PROVIDER?.trim();
  if (!name) return [];
  const listed = (e.AUTH_PROVIDERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!listed.includes(name)) return [`AUTH_CLI_PROVIDER: "${name}" is not listed in AUTH_PROVIDERS`];
  const driver = e[providerVariable(name, 'DRIVER')];
  if (driver !== 'openid')
    return [`AUTH_CLI_PROVIDER: provider "${name}" must use driver openid (the CLI login reads the person from its ID token)`];
  return [];
}
