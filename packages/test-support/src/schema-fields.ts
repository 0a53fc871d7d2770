/** What `validate` throws: an error carrying the JSON pointers of what was wrong, as ajv reports them. */
interface SchemaErrors {
  errors: { instancePath: string }[];
}

// A boolean and a string: whatever type a field of the schema has, one of the two is not it.
const PROBES: readonly unknown[] = [true, 'not-a-value-of-this-field'];

/**
 * The fields of `document` its schema does not know, as JSON pointers (`/spec/containers/0/readOnlyRootFileSystem`).
 * Kubernetes' OpenAPI schemas let unknown fields through, so a misspelt field passes schema validation and is then
 * dropped or refused by the API server; this finds it beforehand.
 *
 * `validate` throws, for invalid data, an error whose `errors` hold ajv's `instancePath`s (as the `validate()` of a
 * kubernetes-models object does). Each field is replaced in turn by each probe value: one of them is refused at the
 * field's path when the schema gives the field a type, and an unknown field is never looked at. A field the schema
 * leaves untyped (`x-kubernetes-preserve-unknown-fields`) would be reported too; the core kinds have none in the
 * places manifests usually fill.
 */
export function unknownFields(document: unknown, validate: (data: unknown) => void): string[] {
  const unknown: string[] = [];
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(item, [...path, index]);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, field] of Object.entries(value)) {
      const fieldPath = [...path, key];
      const pointer = fieldPath
        .map((part) => `/${String(part).replace(/~/g, '~0').replace(/\//g, '~1')}`)
        .join('');
      const known = PROBES.some((probe) =>
        refusedPaths(validate, replaced(document, fieldPath, probe)).includes(pointer),
      );
      if (known) visit(field, fieldPath);
      else unknown.push(pointer);
    }
  };
  visit(document, []);
  return unknown;
}

/** A copy of `document` with the value at `path` set to `value`. */
function replaced(document: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(document);
  let parent = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
  parent[path.at(-1)!] = value;
  return copy;
}

function refusedPaths(validate: (data: unknown) => void, data: unknown): string[] {
  try {
    validate(data);
    return [];
  } catch (error) {
    if (!isSchemaErrors(error)) throw error;
    return error.errors.map((entry) => entry.instancePath);
  }
}

function isSchemaErrors(error: unknown): error is SchemaErrors {
  return Array.isArray((error as Partial<SchemaErrors> | null)?.errors);
}
