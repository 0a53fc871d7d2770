/** The arguments of one `run_python` call after validation. */
export interface RunArguments {
  code: string;
  /** Server names to load, deduplicated, in the order given. */
  servers: string[];
  timeoutMs: number;
  /** The session's name, when the call gave one (sessions on). */
  session?: string;
  /** Start that session afresh before running. */
  reset?: boolean;
}

export type RunArgumentsCheck = { ok: true; value: RunArguments } | { ok: false; problems: string[] };

export interface RunArgumentRules {
  /** Names of the servers a call may load. */
  known: readonly string[];
  defaultTimeoutMs: number;
  maxTimeoutSeconds: number;
  /** Whether `session` and `reset` are accepted (the bridge keeps sessions). */
  sessions?: boolean;
}

/** A session name: short, printable, the same in logs and results. */
export const SESSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const DEFAULT_SESSION = 'default';

/**
 * JSON Schema of the arguments, as the original bridge published it (with the maximum from the settings), plus
 * `session` and `reset` when the bridge keeps sessions.
 */
export function runPythonInputSchema(maxTimeoutSeconds: number, sessions = false): Record<string, unknown> {
  const schema = {
    type: 'object',
    properties: {
      code: { type: 'string', description: 'Python source to run' },
      // The tool's description says what to name here.
      servers: { type: 'array', items: { type: 'string' } },
      timeout: {
        type: 'integer',
        minimum: 1,
        maximum: maxTimeoutSeconds,
        description: 'Seconds',
      },
    },
    required: ['code'],
    additionalProperties: false,
  };
  if (sessions) {
    Object.assign(schema.properties, {
      // Explained once, in the tool's description: every word here is paid on every request.
      session: { type: 'string' },
      reset: { type: 'boolean' },
    });
  }
  return schema;
}

/**
 * Checks the raw arguments of a call. Every problem is collected, so the model can fix them all at once; the
 * messages say what was wrong and what is accepted. Pure.
 */
export function checkRunArguments(raw: unknown, rules: RunArgumentRules): RunArgumentsCheck {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [`arguments must be an object with \`code\`, got ${kind(raw)}`] };
  }
  const args = raw as Record<string, unknown>;
  const problems: string[] = [];

  const code = args.code;
  if (code === undefined) problems.push('`code` is required: the Python source to run');
  else if (typeof code !== 'string') problems.push(`\`code\` must be a string, got ${kind(code)}`);
  else if (code.trim() === '') problems.push('`code` is empty: give the Python source to run');

  const servers: string[] = [];
  if (args.servers !== undefined && args.servers !== null) {
    if (!Array.isArray(args.servers)) {
      problems.push(`\`servers\` must be an array of server names, got ${kind(args.servers)}`);
    } else {
      const unknown: string[] = [];
      args.servers.forEach((name, index) => {
        if (typeof name !== 'string') {
          problems.push(`\`servers[${index}]\` must be a string, got ${kind(name)}`);
        } else if (!rules.known.includes(name)) {
          if (!unknown.includes(name)) unknown.push(name);
        } else if (!servers.includes(name)) {
          servers.push(name);
        }
      });
      if (unknown.length) problems.push(unknownServers(unknown, rules.known));
    }
  }

  let timeoutMs = rules.defaultTimeoutMs;
  if (args.timeout !== undefined && args.timeout !== null) {
    const t = args.timeout;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > rules.maxTimeoutSeconds) {
      problems.push(
        `\`timeout\` must be a whole number of seconds from 1 to ${rules.maxTimeoutSeconds}, got ${
          typeof t === 'number' ? t : kind(t)
        }`,
      );
    } else {
      timeoutMs = t * 1000;
    }
  }

  let session: string | undefined;
  let reset = false;
  if (rules.sessions) {
    if (args.session !== undefined && args.session !== null) {
      if (typeof args.session !== 'string' || !SESSION_NAME.test(args.session)) {
        problems.push(
          `\`session\` must be a name of 1 to 64 letters, digits, \`_\`, \`.\` or \`-\` (starting with a letter or digit), got ${
            typeof args.session === 'string' ? JSON.stringify(args.session.slice(0, 80)) : kind(args.session)
          }`,
        );
      } else {
        session = args.session;
      }
    }
    if (args.reset !== undefined && args.reset !== null) {
      if (typeof args.reset !== 'boolean')
        problems.push(`\`reset\` must be true or false, got ${kind(args.reset)}`);
      else reset = args.reset;
    }
  }

  const accepted = rules.sessions
    ? ['code', 'servers', 'timeout', 'session', 'reset']
    : ['code', 'servers', 'timeout'];
  const extra = Object.keys(args).filter((key) => !accepted.includes(key));
  if (extra.length) {
    const takes = rules.sessions ? 'code, servers, timeout, session and reset' : 'code, servers and timeout';
    const off =
      !rules.sessions && extra.some((key) => key === 'session' || key === 'reset')
        ? ' (sessions are off: this bridge runs every call in a fresh container)'
        : '';
    problems.push(
      `unknown argument${extra.length > 1 ? 's' : ''} ${extra.map((k) => `\`${k}\``).join(', ')}: run_python takes ${takes}${off}`,
    );
  }

  if (problems.length) return { ok: false, problems };
  const value: RunArguments = { code: code as string, servers, timeoutMs };
  if (session !== undefined) value.session = session;
  if (reset) value.reset = true;
  return { ok: true, value };
}

function unknownServers(unknown: string[], known: readonly string[]): string {
  const names = unknown.map((n) => `\`${n}\``).join(', ');
  const what = unknown.length > 1 ? 'unknown servers' : 'unknown server';
  if (!known.length) return `${what} ${names}: no MCP servers are configured`;
  const shown = known.slice(0, 40).join(', ');
  const more = known.length > 40 ? ` and ${known.length - 40} more` : '';
  return `${what} ${names}; available: ${shown}${more}`;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string`;
  return `${typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : typeof value}`;
}
