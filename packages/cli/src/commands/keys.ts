import { createTokenClient } from '@gatehouse/shared';
import { adminEndpoint, clientOptions } from './grpc-target.js';

/** gatehouse keys rotate */
export async function keysCommand(args: string[], env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  if (args[0] !== 'rotate') throw new Error('usage: gatehouse keys rotate');
  const client = createTokenClient(adminEndpoint(env, 'AUTH_BEARER', '127.0.0.1:9211'), clientOptions(env));
  try {
    const res = await client.RotateKeys({});
    out(JSON.stringify({ active_kid: res.kid, published_kids: res.published_kids }, null, 2));
  } finally {
    client.close();
  }
}
