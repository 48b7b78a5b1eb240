import fs from 'node:fs';
import type { Redactor } from '../secrets/redactor.ts';

export interface AuditEvent {
  type: string;
  [key: string]: unknown;
}

export interface AuditLogOptions {
  file: string;
  /** Rotate when the file grows past this many bytes. */
  maxBytes?: number;
  /** How many rotated files (`audit.1.jsonl` ...) to keep. */
  keep?: number;
  redactor?: Redactor;
  now?: () => Date;
}

/**
 * `audit.jsonl`: one JSON object a line, appended synchronously so an entry is on disk before
 * the action it records is answered. Every line passes through the redactor.
 */
export class AuditLog {
  private readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly redactor: Redactor | undefined;
  private readonly now: () => Date;
  private size: number;
  /** Kept open: opening the file for every entry costs more than the write. */
  private fd: number | undefined;
  private readonly listeners = new Set<(event: AuditEvent & { time: string }) => void>();

  constructor(options: AuditLogOptions) {
    this.file = options.file;
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.keep = options.keep ?? 3;
    this.redactor = options.redactor;
    this.now = options.now ?? (() => new Date());
    try {
      this.size = fs.statSync(this.file).size;
    } catch {
      this.size = 0;
    }
  }

  write(event: AuditEvent): void {
    const entry = { time: this.now().toISOString(), ...event };
    const raw = JSON.stringify(entry);
    const redacted = this.redactor ? this.redactor.redact(raw) : raw;
    const line = `${redacted}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.size + bytes > this.maxBytes && this.size > 0) this.rotate();
    this.fd ??= fs.openSync(this.file, 'a', 0o600);
    fs.writeSync(this.fd, line);
    this.size += bytes;
    if (this.listeners.size === 0) return;
    const published = (redacted === raw ? entry : JSON.parse(redacted)) as AuditEvent & { time: string };
    for (const listener of this.listeners) listener(published);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  subscribe(listener: (event: AuditEvent & { time: string }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The newest entries, oldest first, across the current and rotated files. */
  tail(limit = 500): (AuditEvent & { time: string })[] {
    const files = [
      this.file,
      ...Array.from({ length: this.keep }, (_, i) => `${this.file.replace(/\.jsonl$/, '')}.${i + 1}.jsonl`),
    ];
    const lines: string[] = [];
    for (const file of files) {
      if (lines.length >= limit) break;
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const fileLines = text.split('\n').filter(Boolean);
      lines.unshift(...fileLines.slice(-(limit - lines.length)));
    }
    const out: (AuditEvent & { time: string })[] = [];
    for (const line of lines) {
      try {
        out.push(JSON.parse(line) as AuditEvent & { time: string });
      } catch {
        // A torn last line after a crash is skipped, not fatal.
      }
    }
    return out;
  }

  private rotate(): void {
    this.close();
    const base = this.file.replace(/\.jsonl$/, '');
    for (let i = this.keep; i >= 1; i--) {
      const from = i === 1 ? this.file : `${base}.${i - 1}.jsonl`;
      try {
        fs.renameSync(from, `${base}.${i}.jsonl`);
      } catch {
        // Missing generations are normal on a young log.
      }
    }
    this.size = 0;
  }
}
