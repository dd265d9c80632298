import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '@gatehouse/shared';
import type { Logger } from '@gatehouse/shared';

/**
 * The all-in-one runtime needs GATEHOUSE_SECRET like every service. When the operator gave none,
 * one is generated once and kept in `<dataDir>/secret` (mode 0600), so restarts keep decrypting
 * what was encrypted with it. Never logged.
 */
export function ensureSecret(env: Record<string, string | undefined>, dataDir: string, logger: Logger): string {
  const given = env.GATEHOUSE_SECRET || (env.GATEHOUSE_SECRET_FILE ? readFileSync(env.GATEHOUSE_SECRET_FILE, 'utf8').trim() : '');
  if (given) return given;
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomToken(48);
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  logger.warn({ file }, 'GATEHOUSE_SECRET not set: generated one and stored it (set GATEHOUSE_SECRET in production)');
  return secret;
}
