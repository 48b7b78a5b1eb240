import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { Redactor } from '../secrets/redactor.ts';

/**
 * The application log (`logs/airlock.log`). Every line passes through the redactor before it
 * is written, so a secret that slips into a log call is still never on disk.
 */
export function createLogger(options: {
  file?: string;
  redactor?: Redactor;
  level?: string;
  alsoStderr?: boolean;
}): Logger {
  const { file, redactor } = options;
  if (file) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const stream = {
    write(line: string) {
      const safe = redactor ? redactor.redact(line) : line;
      if (file) {
        try {
          fs.appendFileSync(file, safe, { mode: 0o600 });
        } catch {
          // A full disk must not take the gateway down.
        }
      }
      if (options.alsoStderr) process.stderr.write(safe);
    },
  };
  return pino({ level: options.level ?? process.env.AIRLOCK_LOG_LEVEL ?? 'info', base: undefined }, stream);
}
