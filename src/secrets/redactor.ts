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
  private entries: { value: string; name: string; escaped: string | undefined; replacement: string }[] = [];

  /** Values shorter than this are too likely to occur by chance (e.g. "1") to be redacted. */
  static readonly MIN_LENGTH = 6;

  setValues(values: Iterable<[name: string, value: string]>): void {
    const entries: { value: string; name: string; escaped: string | undefined; replacement: string }[] = [];
    for (const [name, value] of values) {
      if (value.length < Redactor.MIN_LENGTH) continue;
      // A value may also travel JSON-escaped (quotes, backslashes, control characters).
      const escaped = JSON.stringify(value).slice(1, -1);
      entries.push({
        name,
        value,
        escaped: escaped === value ? undefined : escaped,
        replacement: `[redacted:${name}]`,
      });
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
    for (const { value, escaped, replacement } of this.entries) {
      if (out.includes(value)) out = out.split(value).join(replacement);
      if (escaped !== undefined && out.includes(escaped)) out = out.split(escaped).join(replacement);
    }
    return out;
  }

  /**
   * Redacts a JSON-serializable value; returns the same object when nothing matched, else a copy
   * with only the affected branches replaced. Walks string leaves (and keys, and long numbers)
   * instead of stringifying the whole message: most messages hold no secret, and a message per
   * tool call passes here.
   */
  redactValue<T>(value: T): T {
    if (this.entries.length === 0) return value;
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (typeof value === 'number') {
      // A numeric secret (a PIN, an account number) can travel as a JSON number.
      if (!Number.isFinite(value) || Math.abs(value) < 10 ** (Redactor.MIN_LENGTH - 1)) return value;
      const text = String(value);
      const redacted = this.redact(text);
      return redacted === text ? value : redacted;
    }
    if (value === null || typeof value !== 'object') return value;
    // Deeper than any real message: fall back to the text form rather than recurse without bound.
    if (depth > 64) return this.redactText(value);
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const next = this.walk(item, depth + 1);
        if (next !== item) (out ??= value.slice())[i] = next;
      }
      return out ?? value;
    }
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return this.redactText(value);
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      const next = this.walk(item, depth + 1);
      const newKey = this.redact(key);
      if (next === item && newKey === key) continue;
      out ??= { ...(value as Record<string, unknown>) };
      if (newKey !== key) delete out[key];
      out[newKey] = next;
    }
    return out ?? value;
  }

  private redactText(value: unknown): unknown {
    const text = JSON.stringify(value);
    if (text === undefined) return value;
    const redacted = this.redact(text);
    return redacted === text ? value : JSON.parse(redacted);
  }
}
