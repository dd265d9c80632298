import type { Request } from 'express';
import { GatehouseError } from '@gatehouse/shared';

/** The JSON body as a plain object ({} when absent); arrays and scalars are INVALID_PAYLOAD. */
export function bodyOf(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new GatehouseError('INVALID_PAYLOAD', { message: 'Expected a JSON object.' });
  return b as Record<string, unknown>;
}

export function userAgentOf(req: Request): string {
  return (req.headers['user-agent'] ?? '').slice(0, 512);
}

/** The client's address under AUTH_BASIC_TRUST_PROXY (wired in app.ts with the shared clientAddress rule). */
export type ClientIp = (req: Request) => string;
