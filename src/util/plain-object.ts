/** A JSON object (not null, not an array): what untrusted input must be before its members are read. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
