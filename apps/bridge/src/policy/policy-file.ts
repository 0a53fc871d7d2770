import { readFileSync } from 'node:fs';
import { formatFromName, parseDocument } from '@codexec/config-discovery';
import { BridgeError } from '../errors.js';
import type { Settings } from '../settings.js';
import { Policy, type PolicySpec, policyProblems } from './policy.js';

/** The keys of a policy file (JSON or TOML), and the field each sets. */
const KEYS = {
  allow: 'allow',
  deny: 'deny',
  read_only: 'readOnly',
  max_tool_calls: 'maxToolCalls',
  max_calls_in_flight: 'maxCallsInFlight',
  rate_limits: 'rateLimits',
} as const satisfies Record<string, keyof PolicySpec>;

type Key = keyof typeof KEYS;

/**
 * Reads a policy file: JSON (comments and trailing commas allowed) or TOML (by its `.toml` name). Throws a
 * `BridgeError('INVALID_SETTING')` that names the file, the line and what is wrong: the bridge does not start on a
 * policy it cannot read.
 */
export function parsePolicyFile(text: string, file: string): PolicySpec {
  const parsed = parseDocument(text, file, formatFromName(file), { consequence: 'the bridge did not start' });
  if (!parsed.ok) throw new BridgeError('INVALID_SETTING', `Invalid policy: ${parsed.diagnostic.message}`);
  const { document } = parsed;
  const fail = (path: (string | number)[], why: string): never => {
    const line = document.lineOf(path);
    throw new BridgeError(
      'INVALID_SETTING',
      `Invalid policy: ${file}${line === undefined ? '' : `:${line}`}: ${why}; fix it there, the bridge did not start`,
    );
  };
  const value = document.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail([], 'a policy is an object of settings (allow, deny, read_only, …)');
  }
  const spec: { -readonly [K in keyof PolicySpec]: PolicySpec[K] } = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (!(key in KEYS)) {
      fail([key], `unknown key \`${key}\` (known: ${Object.keys(KEYS).join(', ')})`);
    }
    switch (key as Key) {
      case 'allow':
      case 'deny':
        if (!Array.isArray(entry) || !entry.every((p) => typeof p === 'string')) {
          fail([key], `\`${key}\` is a list of "server.tool" patterns, such as ["github.*", "*.delete_*"]`);
        }
        spec[KEYS[key as 'allow' | 'deny']] = entry as string[];
        break;
      case 'read_only':
        if (typeof entry !== 'boolean') fail([key], '`read_only` is true or false');
        spec.readOnly = entry as boolean;
        break;
      case 'max_tool_calls':
      case 'max_calls_in_flight':
        if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < 1) {
          fail([key], `\`${key}\` is a whole number of at least 1`);
        }
        spec[KEYS[key as 'max_tool_calls' | 'max_calls_in_flight']] = entry as number;
        break;
      case 'rate_limits':
        spec.rateLimits = rateLimits(entry, fail);
        break;
    }
  }
  const problems = policyProblems(spec);
  if (problems.length) fail([], problems.join('; '));
  return spec;
}

function rateLimits(
  entry: unknown,
  fail: (path: (string | number)[], why: string) => never,
): { server: string; perMinute: number }[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return fail(
      ['rate_limits'],
      '`rate_limits` maps server name patterns to calls per minute, such as { github = 60 }',
    );
  }
  return Object.entries(entry as Record<string, unknown>).map(([server, perMinute]) => {
    if (typeof perMinute !== 'number' || !Number.isInteger(perMinute) || perMinute < 1) {
      fail(
        ['rate_limits', server],
        `the rate limit of "${server}" is a whole number of calls per minute of at least 1`,
      );
    }
    return { server, perMinute: perMinute as number };
  });
}

/**
 * The bridge's policy: the file's (when `policyFile` is set), with the settings' patterns added to its lists and
 * the settings' values over its own; undefined when it restricts nothing.
 * @throws {BridgeError} `INVALID_SETTING` when the file cannot be read or says something the bridge cannot use.
 */
export function policyFromSettings(
  settings: Pick<
    Settings,
    'policyFile' | 'allowTools' | 'denyTools' | 'readOnly' | 'maxToolCalls' | 'maxCallsInFlight'
  >,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Policy | undefined {
  let file: PolicySpec = {};
  if (settings.policyFile) {
    let text: string;
    try {
      text = readFile(settings.policyFile);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new BridgeError(
        'INVALID_SETTING',
        `Invalid policy: cannot read ${settings.policyFile} (${why}); check MCP_BRIDGE_POLICY or --policy`,
      );
    }
    file = parsePolicyFile(text, settings.policyFile);
  }
  const allow = [...(file.allow ?? []), ...settings.allowTools];
  const spec: PolicySpec = {
    ...file,
    ...(allow.length ? { allow } : {}),
    deny: [...(file.deny ?? []), ...settings.denyTools],
    readOnly: settings.readOnly ?? file.readOnly,
    maxToolCalls: settings.maxToolCalls ?? file.maxToolCalls,
    maxCallsInFlight: settings.maxCallsInFlight ?? file.maxCallsInFlight,
  };
  let policy: Policy;
  try {
    policy = new Policy(spec);
  } catch (error) {
    throw new BridgeError('INVALID_SETTING', `Invalid policy: ${(error as Error).message}`);
  }
  return policy.open ? undefined : policy;
}
