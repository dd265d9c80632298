import type { RequestHandler, Response } from 'express';

/** Never cached, by browsers or proxies: token answers (RFC 6749 §5.1) and anything carrying a session. */
export function setNoStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
}

/** setNoStore for every answer of the routes it is mounted on, errors included. */
export const noStore: RequestHandler = (_req, res, next) => {
  setNoStore(res);
  next();
};
