/**
 * Replaces every value currently held in the vault by `[redacted:NAME]` in text that leaves
 * Airlock: MCP messages to clients, logs, audit entries, error texts. A server that echoes its
 * environment therefore cannot leak the secret it was given.
 *
 * The redactor must know the values to find them, so it holds them in memory; that is the one
 * place decrypted values live beyond a single use, and it is refreshed from the vault on change.
 */
export class Redactor {
  /** Longest values first, so a secret that contains another is replaced whole. */
  private entries: { value: string; name: string }[] = [];

  /** Values shorter than this are too likely to occur by chance (e.g. "1") to be redacted. */
  static readonly MIN_LENGTH = 6;

  setValues(values: Iterable<[name: string, value: string]>): void {
    const entries: { value: string; name: string }[] = [];
    for (const [name, value] of values) {
      if (value.length >= Redactor.MIN_LENGTH) entries.push({ name, value });
    }
    entries.sort((a, b) => b.value.length - a.value.length);
    this.entries = entries;
  }

  get size(): number {
    return this.entries.length;
  }

  redact(text: string): string {
    if (this.entries.length === 0) return text;
    let out = text;
    for (const { value, name } of this.entries) {
      if (out.includes(value)) out = out.split(value).join(`[redacted:${name}]`);
      // A value may also travel JSON-escaped (quotes, backslashes, control characters).
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value && out.includes(escaped)) out = out.split(escaped).join(`[redacted:${name}]`);
    }
    return out;
  }

  /** Redacts a JSON-serializable value; returns the same object when nothing matched. */
  redactValue<T>(value: T): T {
    if (this.entries.length === 0) return value;
    const text = JSON.stringify(value);
    if (text === undefined) return value;
    const redacted = this.redact(text);
    return redacted === text ? value : (JSON.parse(redacted) as T);
  }
}
