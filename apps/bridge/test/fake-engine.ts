import type { CatalogEntry, EngineRunOptions, RunEngine, RunReport } from '../src/engine.js';
import type { RunArguments } from '../src/run-arguments.js';

export const origin = { client: 'claude-code', scope: 'user', file: '/home/u/.claude.json' };

/** A stand-in for the composed engine: code `sleep N` waits N ms (or until aborted) and makes one tool call. */
export class FakeEngine implements RunEngine {
  entries: CatalogEntry[] = [
    { name: 'github', summary: 'GitHub issues', transport: 'stdio', source: origin, shadows: [] },
    { name: 'files', transport: 'http', source: origin, shadows: [{ ...origin, scope: 'project' }] },
  ];
  readonly outputSchema = {
    type: 'object',
    properties: { status: { type: 'string' }, stdout: { type: 'string' } },
    required: ['status'],
  };
  runs: RunArguments[] = [];
  /** The connection of each run, in order. */
  connections: string[] = [];
  closedConnections: string[] = [];
  sessions = true;
  aborted = false;
  private listeners = new Set<() => void>();

  catalog() {
    return this.entries;
  }

  async run(args: RunArguments, options: EngineRunOptions): Promise<RunReport> {
    this.runs.push(args);
    this.connections.push(options.connection);
    const sleep = /^sleep (\d+)$/.exec(args.code);
    if (sleep) {
      options.onToolCall?.({ server: 'github', tool: 'get_issue', ok: true, durationMs: 1 });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Number(sleep[1]));
        options.signal.addEventListener('abort', () => {
          this.aborted = true;
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (args.code === 'raise') return this.report('error', 'Traceback: boom');
    return this.report(options.signal.aborted ? 'cancelled' : 'success', `ran ${args.code}`);
  }

  async closeConnection(connection: string): Promise<void> {
    this.closedConnections.push(connection);
  }

  rejected(problems: string[]): RunReport {
    return this.report('validation_error', problems.join('\n'));
  }

  onChange(listener: () => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  change() {
    for (const l of this.listeners) l();
  }

  private report(status: string, text: string): RunReport {
    return { status, text, structured: { status, stdout: text }, isError: status !== 'success' };
  }
}
