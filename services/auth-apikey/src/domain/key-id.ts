import { randomUUID } from 'node:crypto';
import { GatehouseError } from '@gatehouse/shared/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A new key id: a random (v4) UUID in its canonical lower-case form. */
export function newKeyId(): string {
  return randomUUID();
}

export function isKeyId(id: string): boolean {
  return UUID.test(id);
}

/** The seed's `uuid` (16 raw bytes) → the key id; anything but 16 bytes is INVALID_PAYLOAD. */
export function keyIdFromBytes(bytes: Uint8Array | null | undefined): string {
  if (!bytes || bytes.length !== 16)
    throw new GatehouseError('INVALID_PAYLOAD', { message: 'uuid must be the key id’s 16 raw bytes.', extensions: { field: 'uuid' } });
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The key id → the seed's `uuid` (16 raw bytes). */
export function keyIdToBytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

/** The 32 hex digits embedded in a key ↔ the key id. */
export const keyIdToHex = (id: string): string => id.replaceAll('-', '');
export const keyIdFromHex = (hex: string): string => keyIdFromBytes(Buffer.from(hex, 'hex'));
