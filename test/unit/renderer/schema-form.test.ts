import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formContent, initialValues, parseFormSchema } from '../../../renderer/src/model/schema-form.ts';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', title: 'Your name', maxLength: 5 },
    age: { type: 'integer', minimum: 0 },
    ratio: { type: 'number' },
    agree: { type: 'boolean', default: true },
    color: { type: 'string', enum: ['r', 'g'], enumNames: ['Red', 'Green'] },
    size: {
      type: 'string',
      oneOf: [
        { const: 's', title: 'Small' },
        { const: 'l', title: 'Large' },
      ],
    },
    nested: { type: 'object' },
  },
  required: ['name', 'age'],
};

test('reads strings, numbers, booleans and both enum spellings; skips the rest', () => {
  const form = parseFormSchema(schema);
  assert.deepEqual(
    form.fields.map((f) => [f.name, f.kind, f.required]),
    [
      ['name', 'string', true],
      ['age', 'integer', true],
      ['ratio', 'number', false],
      ['agree', 'boolean', false],
      ['color', 'enum', false],
      ['size', 'enum', false],
    ],
  );
  assert.deepEqual(form.fields[4]!.options, [
    { value: 'r', label: 'Red' },
    { value: 'g', label: 'Green' },
  ]);
  assert.deepEqual(
    form.fields[5]!.options?.map((o) => o.label),
    ['Small', 'Large'],
  );
  assert.deepEqual(form.skipped, ['nested']);
  assert.deepEqual(parseFormSchema('<script>'), { fields: [], skipped: [] });
});

test('sends typed values and leaves out empty optional fields', () => {
  const { fields } = parseFormSchema(schema);
  const values = { ...initialValues(fields), name: 'Ann', age: '41', size: 'l' };
  assert.deepEqual(formContent(fields, values), { content: { name: 'Ann', age: 41, agree: true, size: 'l' } });
});

test('reports what does not fit instead of sending it', () => {
  const { fields } = parseFormSchema(schema);
  const result = formContent(fields, { ...initialValues(fields), name: 'Too long', age: '1.5', color: 'blue' });
  assert.deepEqual(result, {
    errors: { name: 'At most 5 characters', age: 'Enter a whole number', color: 'Choose one of the options' },
  });
  assert.deepEqual(formContent(fields, initialValues(fields)), { errors: { name: 'Required', age: 'Required' } });
});
