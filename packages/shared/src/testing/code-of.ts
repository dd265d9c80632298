import { GatehouseError } from '../errors.js';

const codeOfError = (err: unknown): string => (err instanceof GatehouseError ? err.code : `not a GatehouseError: ${String(err)}`);

/**
 * The GatehouseError code a call fails with, or 'OK' when it succeeds, so tests assert on the
 * stable code, never on message text. Pass a promise for async code, a function for sync code.
 */
export function codeOf(pending: Promise<unknown>): Promise<string>;
export function codeOf(fn: () => unknown): string;
export function codeOf(x: Promise<unknown> | (() => unknown)): Promise<string> | string {
  if (x instanceof Promise) return x.then(() => 'OK', codeOfError);
  let result: unknown;
  try {
    result = x();
  } catch (err) {
    return codeOfError(err);
  }
  // A function returning a promise would "succeed" here whatever it does: pass the promise instead.
  if (result instanceof Promise) throw new TypeError('codeOf(fn): fn returned a promise; pass the promise itself');
  return 'OK';
}
