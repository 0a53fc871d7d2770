export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export type DiagnosticCode =
  | 'file-too-large'
  | 'not-a-file'
  | 'symlink-loop'
  | 'permission-denied'
  | 'read-failed'
  | 'parse-error'
  | 'invalid-root'
  | 'invalid-section'
  | 'invalid-entry'
  | 'unsupported-entry'
  | 'excluded'
  | 'missing-variable'
  | 'missing-input'
  | 'unsupported-variable';

/** A problem found while discovering or resolving servers. Never thrown: every other file and entry is still
 * read. */
export interface Diagnostic {
  severity: DiagnosticSeverity;
  code: DiagnosticCode;
  message: string;
  file?: string;
  path?: (string | number)[];
  line?: number;
  client?: string;
  /** The server the diagnostic is about, when there is one. */
  server?: string;
}
