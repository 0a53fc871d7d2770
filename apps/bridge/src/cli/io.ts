import type { Readable } from 'node:stream';

/** A stream the CLI writes to. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

/** Everything the command line touches, so commands run in-process in tests. */
export interface CliIo {
  /** Arguments after `node cli.js`. */
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  stdin: Readable;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Aborted on SIGINT/SIGTERM: serve shuts down, run cancels. */
  signal: AbortSignal;
}

export const EXIT_OK = 0;
/** The command ran and found a problem: a failed run, a high finding, a failed check. */
export const EXIT_FAILURE = 1;
/** The command could not start: bad usage or settings. */
export const EXIT_USAGE = 2;
