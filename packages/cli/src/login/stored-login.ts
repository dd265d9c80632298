import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { loginConfigDir } from './config-dir.js';

/** What `gatehouse login` keeps: where it signed in, and the tokens (mgmt.v1alpha1.AccessToken) with their expiry. */
const storedLoginSchema = z.object({
  version: z.literal(1),
  /** The proxy's HTTP base URL (--server). */
  server: z.string().url(),
  /** The proxy's gRPC entry, host:port (--grpc-server). */
  grpc_server: z.string().min(1),
  issuer: z.string(),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
  scope: z.string(),
  /** Epoch ms at which the access token expires. */
  expires_at: z.number().int(),
});
export type StoredLogin = z.infer<typeof storedLoginSchema>;

const FILE = 'login.json';

/** The login file's path for this environment. */
export const loginFile = (env: Record<string, string | undefined>) => join(loginConfigDir(env), FILE);

/** The stored login, or null when there is none. A damaged file is an error that says what to do. */
export async function readStoredLogin(env: Record<string, string | undefined>): Promise<StoredLogin | null> {
  let text: string;
  try {
    text = await readFile(loginFile(env), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const r = storedLoginSchema.safeParse(parsed);
  if (!r.success) throw new Error(`${loginFile(env)} is damaged: run \`gatehouse logout\`, then \`gatehouse login\``);
  return r.data;
}

/**
 * Stores the login: the folder is created 0700, or set to 0700 when it exists (it is Gatehouse's own), the file written
 * 0600 under a temporary name and renamed over the old one, so a reader never sees half a file
 * and the tokens are never readable by other users, whatever the umask.
 */
export async function writeStoredLogin(env: Record<string, string | undefined>, login: StoredLogin): Promise<void> {
  const dir = loginConfigDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const tmp = join(dir, `.${FILE}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(storedLoginSchema.parse(login), null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, join(dir, FILE));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Deletes the stored login; true when there was one. */
export async function deleteStoredLogin(env: Record<string, string | undefined>): Promise<boolean> {
  try {
    await rm(loginFile(env));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
