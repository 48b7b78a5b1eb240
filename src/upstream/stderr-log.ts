import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { Redactor } from '../secrets/redactor.ts';

/**
 * Appends an upstream process's stderr to its per-server log, line by line, through the
 * redactor (a server may print its own token), and keeps the file bounded.
 */
export function pipeStderrToLog(stream: Readable, file: string, redactor?: Redactor, maxBytes = 2 * 1024 * 1024): void {
  let pending = '';
  const flush = (text: string) => {
    if (!text) return;
    try {
      const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
      if (size > maxBytes) fs.renameSync(file, `${file}.1`);
      fs.appendFileSync(file, redactor ? redactor.redact(text) : text, { mode: 0o600 });
    } catch {
      // Logging must never take a server down.
    }
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const cut = pending.lastIndexOf('\n');
    if (cut >= 0) {
      flush(pending.slice(0, cut + 1));
      pending = pending.slice(cut + 1);
    }
    if (pending.length > 64 * 1024) {
      flush(`${pending}\n`);
      pending = '';
    }
  });
  stream.on('end', () => flush(pending ? `${pending}\n` : ''));
  stream.on('error', () => {});
}
