import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

/**
 * The admin API answers only the holder of the admin token (the CLI reads it from the 0600 file
 * in the data directory), or a UI session that was opened with it.
 */
export function requireAdmin(adminToken: string, isUiSession: (req: Request) => boolean = () => false) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if ((match && equal(match[1]!, adminToken)) || isUiSession(req)) {
      next();
      return;
    }
    res.status(401).json({ error: 'unauthorized', error_description: 'admin token required' });
  };
}
