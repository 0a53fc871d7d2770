/**
 * The tool policy: which upstream tools the code may see and call, how often, and how many at once. Applied in the
 * bridge (the host), never trusted to the sandbox. Pure, except for the clock the rate limits read.
 */

/** What a policy file or the settings say, before it is compiled. Every field is optional. */
export interface PolicySpec {
  /** `server.tool` patterns (`*` is any run of characters); when given, only matching tools are allowed. */
  allow?: readonly string[] | undefined;
  /** `server.tool` patterns that are refused; deny wins over allow. */
  deny?: readonly string[] | undefined;
  /** Only tools whose upstream annotations say `readOnlyHint: true`. */
  readOnly?: boolean | undefined;
  /** Tool calls one run may make; the next one is refused. */
  maxToolCalls?: number | undefined;
  /** Tool calls of one run in flight at once; more wait for their turn. */
  maxCallsInFlight?: number | undefined;
  /** Calls per minute to a server, by server name pattern; the first pattern that matches counts. */
  rateLimits?: readonly { server: string; perMinute: number }[] | undefined;
}

/** Why a call was refused: the rule, as the code's `ToolCallDenied` shows it. */
export interface Refusal {
  rule: string;
  message: string;
}

export interface ToolFacts {
  /** The tool's annotations as its server lists them; undefined when the server did not list the tool. */
  annotations: Record<string, unknown> | undefined;
}

/** A compiled `server.tool` pattern. */
interface Pattern {
  text: string;
  test(name: string): boolean;
}

function compilePattern(text: string): Pattern {
  const trimmed = text.trim();
  // A bare server name stands for all of its tools.
  const full = trimmed.includes('.') ? trimmed : `${trimmed}.*`;
  const source = full
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 's');
  return { text: trimmed, test: (name) => regex.test(name) };
}

/** Checks a policy's values; returns what is wrong with each, by field (empty when it is sound). */
export function policyProblems(spec: PolicySpec): string[] {
  const problems: string[] = [];
  for (const field of ['allow', 'deny'] as const) {
    for (const pattern of spec[field] ?? []) {
      if (!pattern.trim()) problems.push(`\`${field}\` has an empty pattern`);
      else if (/\s/.test(pattern.trim()))
        problems.push(`\`${field}\` pattern "${pattern}" has a space in it`);
    }
  }
  for (const field of ['maxToolCalls', 'maxCallsInFlight'] as const) {
    const value = spec[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      problems.push(`\`${field}\` must be a whole number of at least 1, got ${value}`);
    }
  }
  for (const limit of spec.rateLimits ?? []) {
    if (!limit.server.trim()) problems.push('a rate limit has an empty server pattern');
    if (!Number.isInteger(limit.perMinute) || limit.perMinute < 1) {
      problems.push(
        `the rate limit of "${limit.server}" must be a whole number of calls per minute of at least 1, got ${limit.perMinute}`,
      );
    }
  }
  return problems;
}

/** The policy, ready to answer: what is visible, what may be called now, and each run's own limits. */
export class Policy {
  readonly spec: PolicySpec;
  readonly #allow: Pattern[] | undefined;
  readonly #deny: Pattern[];
  readonly #rates: { server: Pattern; text: string; perMinute: number }[];
  /** Per server, the times of its calls in the last minute: `times` from `head` on (older ones are dropped). */
  readonly #windows = new Map<string, { times: number[]; head: number }>();
  readonly #now: () => number;

  constructor(spec: PolicySpec, now: () => number = Date.now) {
    const problems = policyProblems(spec);
    if (problems.length) throw new Error(problems.join('; '));
    this.spec = spec;
    this.#allow = spec.allow?.length ? spec.allow.map(compilePattern) : undefined;
    this.#deny = (spec.deny ?? []).map(compilePattern);
    // A rate limit names servers: its pattern is tried on the server's name alone.
    this.#rates = (spec.rateLimits ?? []).map((limit) => ({
      server: compilePattern(`${limit.server.trim()}.*`),
      text: limit.server.trim(),
      perMinute: limit.perMinute,
    }));
    this.#now = now;
  }

  /** True when the policy restricts nothing (the checks are then skipped). */
  get open(): boolean {
    const s = this.spec;
    return (
      !this.#allow &&
      this.#deny.length === 0 &&
      !s.readOnly &&
      s.maxToolCalls === undefined &&
      s.maxCallsInFlight === undefined &&
      this.#rates.length === 0
    );
  }

  /** The policy in one line, for the log. */
  summary(): string {
    const s = this.spec;
    const parts = [
      ...(this.#allow ? [`allow ${this.#allow.map((p) => p.text).join(', ')}`] : []),
      ...(this.#deny.length ? [`deny ${this.#deny.map((p) => p.text).join(', ')}`] : []),
      ...(s.readOnly ? ['read-only tools only'] : []),
      ...(s.maxToolCalls !== undefined ? [`${s.maxToolCalls} calls per run`] : []),
      ...(s.maxCallsInFlight !== undefined ? [`${s.maxCallsInFlight} calls in flight per run`] : []),
      ...this.#rates.map((r) => `${r.text} ${r.perMinute} calls/min`),
    ];
    return parts.join('; ') || 'none';
  }

  /** Whether deciding on a tool needs its annotations (read-only mode). */
  get needsAnnotations(): boolean {
    return this.spec.readOnly === true;
  }

  /** Why the tool may never be called under this policy, or undefined when it may. */
  refusal(server: string, tool: string, facts: ToolFacts): Refusal | undefined {
    const name = `${server}.${tool}`;
    const denied = this.#deny.find((pattern) => pattern.test(name));
    if (denied) {
      return {
        rule: `deny ${denied.text}`,
        message: `${name} is denied by the policy (deny ${denied.text})`,
      };
    }
    if (this.#allow && !this.#allow.some((pattern) => pattern.test(name))) {
      const listed = this.#allow.map((pattern) => pattern.text).join(', ');
      return { rule: 'allow', message: `${name} is not in the policy's allow list (${listed})` };
    }
    if (this.spec.readOnly && facts.annotations?.readOnlyHint !== true) {
      return {
        rule: 'read-only',
        message: `${name} is not marked read-only by its server (readOnlyHint), and the policy allows only read-only tools`,
      };
    }
    return undefined;
  }

  /**
   * Counts a call to `server` against its rate limit; a refusal when the server had its calls for the last
   * minute already (the call is then not counted).
   */
  takeRate(server: string): Refusal | undefined {
    const limit = this.#rates.find((rate) => rate.server.test(`${server}.`));
    if (!limit) return undefined;
    const now = this.#now();
    let window = this.#windows.get(server);
    if (!window) {
      window = { times: [], head: 0 };
      this.#windows.set(server, window);
    }
    const { times } = window;
    while (window.head < times.length && now - times[window.head]! >= 60_000) window.head += 1;
    // Dropping from the front one by one would copy the array each time: drop in bulk now and then.
    if (window.head > 1024 && window.head * 2 > times.length) {
      times.splice(0, window.head);
      window.head = 0;
    }
    if (times.length - window.head >= limit.perMinute) {
      const waitS = Math.max(1, Math.ceil((60_000 - (now - times[window.head]!)) / 1000));
      return {
        rule: `rate ${limit.text} ${limit.perMinute}/min`,
        message:
          `${server} had its ${limit.perMinute} calls of the last minute (the policy's rate limit); ` +
          `the next call is possible in about ${waitS} s`,
      };
    }
    times.push(now);
    return undefined;
  }

  /** The limits of one run: a count of its calls, and a queue for calls past the in-flight cap. */
  forRun(): RunGuard {
    return new RunGuard(this.spec.maxToolCalls, this.spec.maxCallsInFlight);
  }
}

/** One run's share of the policy: how many calls it made, and how many are in flight. */
export class RunGuard {
  #calls = 0;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly maxCalls: number | undefined,
    private readonly maxInFlight: number | undefined,
  ) {}

  /** A refusal when the run has made its allowed number of calls already; counts nothing. */
  full(): Refusal | undefined {
    if (this.maxCalls === undefined || this.#calls < this.maxCalls) return undefined;
    return {
      rule: `max-tool-calls ${this.maxCalls}`,
      message: `this run has made its ${this.maxCalls} tool calls (the policy's cap per run)`,
    };
  }

  /** Counts a call; a refusal (and no count) when the run has made its allowed number of calls already. */
  count(): Refusal | undefined {
    const refused = this.full();
    if (!refused) this.#calls += 1;
    return refused;
  }

  /** Runs `work` once fewer than the cap of this run's calls are in flight (a freed place goes to the first waiter). */
  async slot<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (this.maxInFlight !== undefined && this.#inFlight >= this.maxInFlight) {
      // Resolved by a call that ends, which hands its place over: the count stays as it is.
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal.removeEventListener('abort', stop);
          resolve();
        };
        const stop = () => {
          const index = this.#waiting.indexOf(go);
          if (index >= 0) this.#waiting.splice(index, 1);
          reject(signal.reason);
        };
        if (signal.aborted) return stop();
        signal.addEventListener('abort', stop, { once: true });
        this.#waiting.push(go);
      });
    } else {
      this.#inFlight += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#inFlight -= 1;
    }
  }
}
