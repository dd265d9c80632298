import { randomToken, createUserClient, GatehouseError, ADMIN_ROLE, type GrpcTlsConfig, type Logger } from '@gatehouse/shared';

/**
 * Creates the bootstrap admin (GATEHOUSE_ADMIN_EMAIL, default admin@example.com) through
 * auth-basic's UserService, as any other client would. Without GATEHOUSE_ADMIN_PASSWORD a password
 * is generated and printed once, on stdout, only when the user is created.
 */
export async function bootstrapAdmin(opts: {
  endpoint: string;
  tls?: GrpcTlsConfig | undefined;
  email?: string | undefined;
  password?: string | undefined;
  logger: Logger;
  print: (line: string) => void;
}): Promise<'created' | 'exists'> {
  const email = opts.email || 'admin@example.com';
  const password = opts.password || randomToken(18);
  const users = createUserClient(opts.endpoint, { deadlineMs: 10_000, ...(opts.tls ? { tls: opts.tls } : {}) });
  try {
    await users.CreateUser({ email, name: 'Administrator', password, roles: [ADMIN_ROLE], groups: [], provider: 'local' });
    if (!opts.password) opts.print(`\n  Bootstrap admin created: ${email}\n  Password (shown once): ${password}\n`);
    opts.logger.info({ email }, 'bootstrap admin created');
    return 'created';
  } catch (err) {
    if (err instanceof GatehouseError && err.code === 'CONFLICT') {
      opts.logger.info({ email }, 'bootstrap admin already exists');
      return 'exists';
    }
    throw err;
  } finally {
    users.close();
  }
}
