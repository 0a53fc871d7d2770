import { describe, expect, it } from 'vitest';
import { unknownFields } from './schema-fields.js';

/**
 * A stand-in for a schema validator: `spec.enabled` is a boolean, `spec.name` a string, `spec.items` a list of
 * objects with a numeric `size`, `labels` a map of strings. Unknown fields pass, as in Kubernetes' schemas.
 */
function validate(data: unknown): void {
  const errors: { instancePath: string }[] = [];
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  const doc = data as Record<string, unknown>;
  const { spec, labels } = doc;
  if ('spec' in doc && !isObject(spec)) errors.push({ instancePath: '/spec' });
  if (isObject(spec)) {
    if ('enabled' in spec && typeof spec.enabled !== 'boolean')
      errors.push({ instancePath: '/spec/enabled' });
    if ('name' in spec && typeof spec.name !== 'string') errors.push({ instancePath: '/spec/name' });
    if ('items' in spec && !Array.isArray(spec.items)) errors.push({ instancePath: '/spec/items' });
    if (Array.isArray(spec.items)) {
      spec.items.forEach((item: unknown, i) => {
        if (!isObject(item)) errors.push({ instancePath: `/spec/items/${i}` });
        else if ('size' in item && typeof item.size !== 'number')
          errors.push({ instancePath: `/spec/items/${i}/size` });
      });
    }
  }
  if ('labels' in doc && !isObject(labels)) errors.push({ instancePath: '/labels' });
  if (isObject(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      if (typeof value !== 'string') errors.push({ instancePath: `/labels/${key.replace(/\//g, '~1')}` });
    }
  }
  if (errors.length > 0) throw Object.assign(new Error('invalid'), { errors });
}

describe('unknownFields', () => {
  it('finds nothing in a document of known fields, whatever their types', () => {
    const doc = {
      spec: { enabled: false, name: 'x', items: [{ size: 1 }, {}] },
      labels: { 'example.com/team': 'a' },
    };
    expect(unknownFields(doc, validate)).toEqual([]);
  });

  it('names every unknown field by its JSON pointer, at any depth, and looks no further into it', () => {
    const doc = {
      spec: { enabeld: true, name: 'x', items: [{ size: 1, colour: 'red' }], extra: { deep: 1 } },
      kind: 'Thing',
    };
    expect(unknownFields(doc, validate)).toEqual([
      '/spec/enabeld',
      '/spec/items/0/colour',
      '/spec/extra',
      '/kind',
    ]);
  });

  it('does not change the document', () => {
    const doc = { spec: { enabled: true, other: 1 } };
    const copy = structuredClone(doc);
    unknownFields(doc, validate);
    expect(doc).toEqual(copy);
  });

  it('lets an error without schema errors through', () => {
    expect(() =>
      unknownFields({ a: 1 }, () => {
        throw new Error('broken validator');
      }),
    ).toThrow('broken validator');
  });
});
