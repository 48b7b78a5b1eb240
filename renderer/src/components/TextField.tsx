import type { ReactNode } from 'react';

/** One labelled single-line text input, with optional help: the dashboard's form row. */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  help?: ReactNode;
  /** Marks the field invalid for assistive technology (and the CSS). */
  invalid?: boolean;
}) {
  return (
    <div className="form-row">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder={props.placeholder}
        autoComplete="off"
        aria-invalid={props.invalid}
      />
      {props.help && <p className="help">{props.help}</p>}
    </div>
  );
}
