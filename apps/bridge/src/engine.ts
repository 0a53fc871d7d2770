import type { LimitHolds } from './capabilities.js';
import type { RunArguments } from './run-arguments.js';

/** Where a configured server came from, as the servers resource and `discover` show it. */
export interface ServerOrigin {
  client: string;
  scope: string;
  file: string;
  line?: number | undefined;
}

/** One server a run may load. */
export interface CatalogEntry {
  name: string;
  /** One line for the tool description. */
  summary?: string | undefined;
  transport: 'stdio' | 'http' | 'sse';
  source: ServerOrigin;
  /** Entries of the same name that this one hides (lower priority configs). */
  shadows: ServerOrigin[];
}

/** A saved tool as the manual lists it. */
export interface SavedToolSummary {
  name: string;
  signature?: string | undefined;
  description?: string | undefined;
  async: boolean;
  stale?: string | undefined;
}

export interface ToolCallEvent {
  server: string;
  tool: string;
  ok: boolean;
  durationMs: number;
}

/** A run result rendered for the client: the text block and the structured content. */
export interface RunReport {
  status: string;
  text: string;
  structured: Record<string, unknown>;
  isError: boolean;
  /** Files the code handed back, as MCP content after the text: images, or embedded resources. */
  attachments?: AttachmentContent[];
}

export type AttachmentContent =
  | { type: 'image'; data: string; mimeType: string }
  | {
      type: 'resource';
      resource:
        | { uri: string; mimeType: string; text: string }
        | { uri: string; mimeType: string; blob: string };
    };

/** A tool call waiting for the user's approval. */
export interface ApprovalRequest {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** The session the run belongs to, for "allow for the rest of the session"; none: the client's connection. */
  session: string | undefined;
}

/** What became of an approval question: the call goes ahead only on one of the `allowed …` answers. */
export type ApprovalOutcome =
  | 'allowed once'
  | 'allowed for the session'
  | 'allowed earlier in the session'
  | 'declined'
  | 'cancelled'
  | 'timed out'
  | 'unavailable';

export interface EngineRunOptions {
  signal: AbortSignal;
  /** The client connection the run belongs to: each has its own sessions. */
  connection: string;
  /** Called after each tool call the code makes. */
  onToolCall?: (event: ToolCallEvent) => void;
  /**
   * Asks the user whether a call may go ahead (MCP elicitation), one question at a time; none when nobody can be
   * asked (a run from the command line).
   */
  approve?: (request: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalOutcome>;
  /** The client request's `_meta` (a `traceparent` there joins the run's span to the client's trace). */
  meta?: Record<string, unknown> | undefined;
}

/**
 * What the MCP surface needs from the rest of the bridge. The real one composes discovery, the upstream pool,
 * the sandbox and the renderer (`composition.ts`); unit tests of the MCP surface use a fake.
 */
export interface RunEngine {
  /** The servers a run may load, in priority order. */
  catalog(): readonly CatalogEntry[];
  /** JSON Schema of the structured content of every result. */
  readonly outputSchema: Record<string, unknown>;
  run(args: RunArguments, options: EngineRunOptions): Promise<RunReport>;
  /** The report of a call whose arguments were refused; nothing ran. */
  rejected(problems: string[]): RunReport;
  /** Whether runs keep state in sessions (`session` and `reset` are accepted). */
  readonly sessions: boolean;
  /** How the container limits hold on this engine, once known (for the manual). */
  limitHolds?(): LimitHolds | undefined;
  /** The connection is gone: its sessions are closed and their containers removed. */
  closeConnection(connection: string): Promise<void>;
  /** The project's saved tools, for the manual. */
  savedTools?(): Promise<SavedToolSummary[]>;
  /** Listens for changes that may alter the tool description (servers or their tools); returns unsubscribe. */
  onChange(listener: () => void): () => void;
}
