import { structuredResultSchema } from '@codexec/toon-output';

/**
 * The `outputSchema` run_python advertises: the two keys every result carries, with the other keys of toon-output's
 * `structuredResultSchema` allowed and left undeclared. The tool list travels with every request a client makes,
 * and the full schema would be a third of it (about 160 o200k tokens against 40); the keys are documented in the
 * capabilities manual, and every result is a rendering of toon-output, whose tests check it against the full schema.
 */
export const advertisedOutputSchema = {
  type: 'object',
  properties: {
    status: { enum: [...structuredResultSchema.properties.status.enum] },
    summary: { type: 'string' },
  },
  required: [...structuredResultSchema.required],
} as const;
