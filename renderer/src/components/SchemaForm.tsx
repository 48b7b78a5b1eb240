import type { FormField, FormValues } from '../model/schema-form.ts';

interface Props {
  idPrefix: string;
  fields: readonly FormField[];
  values: FormValues;
  errors: Record<string, string>;
  onChange: (values: FormValues) => void;
}

/** Inputs for a server's form request. No <form>: Enter in a field never submits it. */
export function SchemaForm({ idPrefix, fields, values, errors, onChange }: Props) {
  const set = (name: string, value: string | boolean) => onChange({ ...values, [name]: value });
  return (
    <div className="schema-form">
      {fields.map((field) => {
        const id = `${idPrefix}-${field.name}`;
        const error = errors[field.name];
        const describedBy = [field.description ? `${id}-help` : '', error ? `${id}-error` : '']
          .filter(Boolean)
          .join(' ');
        const common = {
          id,
          name: field.name,
          'aria-invalid': error ? true : undefined,
          'aria-describedby': describedBy || undefined,
          required: field.required,
        };
        let input;
        if (field.kind === 'boolean') {
          input = (
            <input
              {...common}
              type="checkbox"
              checked={values[field.name] === true}
              onChange={(e) => set(field.name, e.target.checked)}
            />
          );
        } else if (field.kind === 'enum') {
          input = (
            <select
              {...common}
              value={String(values[field.name] ?? '')}
              onChange={(e) => set(field.name, e.target.value)}
            >
              <option value="">Choose…</option>
              {field.options?.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          );
        } else {
          const type =
            field.kind === 'number' || field.kind === 'integer'
              ? 'number'
              : field.format === 'email'
                ? 'email'
                : field.format === 'uri'
                  ? 'url'
                  : field.format === 'date'
                    ? 'date'
                    : 'text';
          input = (
            <input
              {...common}
              type={type}
              value={String(values[field.name] ?? '')}
              min={field.min}
              max={field.max}
              step={field.kind === 'integer' ? 1 : field.kind === 'number' ? 'any' : undefined}
              minLength={field.minLength}
              maxLength={field.maxLength}
              autoComplete="off"
              onChange={(e) => set(field.name, e.target.value)}
            />
          );
        }
        return (
          <div key={field.name} className={`form-row form-row-${field.kind}`}>
            <label htmlFor={id}>
              {field.label}
              {field.required && <span className="required"> (required)</span>}
            </label>
            {input}
            {field.description && (
              <p id={`${id}-help`} className="help">
                {field.description}
              </p>
            )}
            {error && (
              <p id={`${id}-error`} className="field-error">
                {error}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
