/**
 * Form elicitation: the server sends a flat JSON schema (strings, numbers, booleans, enums) and
 * the user fills it in. The schema is untrusted: anything not understood is left out, never
 * interpreted as markup.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation#supported-schema-types
 */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export interface FormField {
  name: string;
  kind: FieldKind;
  label: string;
  description?: string;
  required: boolean;
  options?: { value: string; label: string }[];
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  defaultValue?: string | number | boolean;
}

export interface ParsedForm {
  fields: FormField[];
  /** Properties the form cannot show (the user is told the server asked for more). */
  skipped: string[];
}

/** Values as the inputs hold them: text for strings and numbers, booleans for checkboxes. */
export type FormValues = Record<string, string | boolean>;

const MAX_FIELDS = 50;
const MAX_TEXT = 500;

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function enumOptions(property: Record<string, unknown>): { value: string; label: string }[] | undefined {
  if (Array.isArray(property.enum) && property.enum.every((v) => typeof v === 'string')) {
    const names = Array.isArray(property.enumNames) ? property.enumNames : [];
    return (property.enum as string[]).map((value, i) => ({ value, label: text(names[i]) ?? value }));
  }
  const variants = Array.isArray(property.oneOf) ? property.oneOf : Array.isArray(property.anyOf) ? property.anyOf : [];
  const options = variants
    .filter(
      (v): v is Record<string, unknown> =>
        typeof v === 'object' && v !== null && typeof (v as { const?: unknown }).const === 'string',
    )
    .map((v) => ({ value: v.const as string, label: text(v.title) ?? (v.const as string) }));
  return options.length ? options : undefined;
}

export function parseFormSchema(schema: unknown): ParsedForm {
  const fields: FormField[] = [];
  const skipped: string[] = [];
  if (typeof schema !== 'object' || schema === null) return { fields, skipped };
  const root = schema as Record<string, unknown>;
  const properties = typeof root.properties === 'object' && root.properties !== null ? root.properties : {};
  const required = new Set(Array.isArray(root.required) ? root.required.filter((r) => typeof r === 'string') : []);
  for (const [name, raw] of Object.entries(properties as Record<string, unknown>)) {
    if (fields.length >= MAX_FIELDS || typeof raw !== 'object' || raw === null) {
      skipped.push(name);
      continue;
    }
    const property = raw as Record<string, unknown>;
    const base = {
      name,
      label: text(property.title) ?? name,
      required: required.has(name),
      ...(text(property.description) === undefined ? {} : { description: text(property.description)! }),
    };
    const options = enumOptions(property);
    if (options && (property.type === 'string' || property.type === undefined)) {
      const fallback = text(property.default);
      fields.push({ ...base, kind: 'enum', options, ...(fallback === undefined ? {} : { defaultValue: fallback }) });
    } else if (property.type === 'string') {
      const minLength = finite(property.minLength);
      const maxLength = finite(property.maxLength);
      const format = text(property.format);
      const fallback = text(property.default);
      fields.push({
        ...base,
        kind: 'string',
        ...(minLength === undefined ? {} : { minLength }),
        ...(maxLength === undefined ? {} : { maxLength }),
        ...(format === undefined ? {} : { format }),
        ...(fallback === undefined ? {} : { defaultValue: fallback }),
      });
    } else if (property.type === 'number' || property.type === 'integer') {
      const min = finite(property.minimum);
      const max = finite(property.maximum);
      const fallback = finite(property.default);
      fields.push({
        ...base,
        kind: property.type,
        ...(min === undefined ? {} : { min }),
        ...(max === undefined ? {} : { max }),
        ...(fallback === undefined ? {} : { defaultValue: fallback }),
      });
    } else if (property.type === 'boolean') {
      fields.push({ ...base, kind: 'boolean', defaultValue: property.default === true });
    } else {
      skipped.push(name);
    }
  }
  return { fields, skipped };
}

export function initialValues(fields: readonly FormField[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    if (field.kind === 'boolean') values[field.name] = field.defaultValue === true;
    else values[field.name] = field.defaultValue === undefined ? '' : String(field.defaultValue);
  }
  return values;
}

/**
 * The `content` to send: typed values, empty optional fields left out. Returns the problems
 * instead when a value does not fit its field.
 */
export function formContent(
  fields: readonly FormField[],
  values: FormValues,
): { content: Record<string, unknown> } | { errors: Record<string, string> } {
  const content: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.kind === 'boolean') {
      content[field.name] = value === true;
      continue;
    }
    const raw = typeof value === 'string' ? value : '';
    if (raw.trim() === '') {
      if (field.required) errors[field.name] = 'Required';
      continue;
    }
    if (field.kind === 'number' || field.kind === 'integer') {
      const number = Number(raw);
      if (!Number.isFinite(number)) errors[field.name] = 'Enter a number';
      else if (field.kind === 'integer' && !Number.isInteger(number)) errors[field.name] = 'Enter a whole number';
      else if (field.min !== undefined && number < field.min) errors[field.name] = `At least ${field.min}`;
      else if (field.max !== undefined && number > field.max) errors[field.name] = `At most ${field.max}`;
      else content[field.name] = number;
    } else if (field.kind === 'enum') {
      if (!field.options?.some((option) => option.value === raw)) errors[field.name] = 'Choose one of the options';
      else content[field.name] = raw;
    } else {
      if (field.minLength !== undefined && raw.length < field.minLength)
        errors[field.name] = `At least ${field.minLength} characters`;
      else if (field.maxLength !== undefined && raw.length > field.maxLength)
        errors[field.name] = `At most ${field.maxLength} characters`;
      else content[field.name] = raw;
    }
  }
  return Object.keys(errors).length ? { errors } : { content };
}
