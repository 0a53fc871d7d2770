export { isToonOutputError, ToonOutputError, type ToonOutputErrorCode } from './errors.js';
export { unfence } from './fence.js';
export { type JsonPrimitive, type JsonValue, MAX_JSON_DEPTH, toJsonValue } from './json-value.js';
export {
  DEFAULT_MAX_CHARS,
  DEFAULT_MAX_LINE_CHARS,
  isOutputMode,
  MIN_MAX_CHARS,
  MIN_MAX_LINE_CHARS,
  OUTPUT_MODES,
  type OutputMode,
  type RenderOptions,
  SUMMARY_MAX_CHARS,
  type ToonEncoder,
} from './options.js';
export { type RenderResult, render } from './render.js';
export { type RenderValueOptions, renderValue } from './render-value.js';
export {
  type AttachmentOutcome,
  OUTCOME_STATUSES,
  type OutcomeStatus,
  type RunErrorInfo,
  type RunOutcome,
  type SessionOutcome,
  type UpstreamTruncation,
} from './run-outcome.js';
export {
  type PartTruncation,
  type StructuredResult,
  structuredResultSchema,
  TRUNCATABLE_PARTS,
  type TruncatablePart,
  type Truncation,
} from './structured-result.js';
