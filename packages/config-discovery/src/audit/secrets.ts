import { containsVariableReference } from '../expand.js';

export interface SecretMatch {
  /** What it looks like, e.g. "GitHub token", "high-entropy string". */
  kind: string;
  /** The secret text itself: never print it, pass it to `redactSecret`. */
  secret: string;
  /** `shape`: a known token format; `entropy`: random-looking text where a secret is expected. */
  evidence: 'shape' | 'entropy' | 'bearer' | 'url-credentials';
}

const SHAPES: readonly { kind: string; pattern: RegExp }[] = [
  { kind: 'private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { kind: 'Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/ },
  { kind: 'OpenAI API key', pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/ },
  { kind: 'GitHub token', pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}/ },
  { kind: 'GitHub fine-grained token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/ },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { kind: 'JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
];

/** Names of variables, headers and flags that hold credentials. */
const SECRET_NAME =
  /token|secret|passw(?:or)?d|pwd|api[-_]?key|apikey|access[-_]?key|auth|credential|private[-_]?key|(?:^|[-_])pat(?:$|[-_])|session|cookie/i;

const PLACEHOLDER =
  /^<.*>$|^\[.*\]$|your[-_ ]|^x{4,}$|changeme|example|placeholder|redacted|dummy|^\*+$|^\.+$/i;

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function characterClasses(text: string): number {
  // Letters and digits only: hyphenated words (package names) must not look random.
  return [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(text)).length;
}

export function looksLikeSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A token random enough to be a credential. The bar is lower where the name says a secret is expected. */
function isHighEntropy(token: string, secretByName: boolean): boolean {
  if (PLACEHOLDER.test(token)) return false;
  if (/^[a-z]+:\/\//i.test(token) || /[/\\]/.test(token) || /\s/.test(token)) return false;
  const minLength = secretByName ? 12 : 24;
  const minBits = secretByName ? 3.0 : 4.0;
  const minClasses = secretByName ? 2 : 3;
  return (
    token.length >= minLength && shannonEntropy(token) >= minBits && characterClasses(token) >= minClasses
  );
}

/** Finds a secret in one value. `name` is the variable, header or flag it belongs to, when there is one.
 * Values that only refer to variables (`${TOKEN}`, `{env:TOKEN}`) are not secrets. Pure. */
export function findSecret(value: string, name?: string): SecretMatch | undefined {
  for (const { kind, pattern } of SHAPES) {
    const match = pattern.exec(value);
    if (match) return { kind, secret: kind === 'private key' ? value : match[0], evidence: 'shape' };
  }
  if (containsVariableReference(value)) return undefined;
  const secretByName = name !== undefined && looksLikeSecretName(name);
  const bearer = /^\s*(?:Bearer|Basic|Token)\s+(\S+)\s*$/i.exec(value);
  if (bearer?.[1] !== undefined) {
    const token = bearer[1];
    if (token.length >= 8 && !PLACEHOLDER.test(token)) {
      return { kind: 'credential in an Authorization header', secret: token, evidence: 'bearer' };
    }
    return undefined;
  }
  const tokens = value.split(/[\s=:,;"']+/).filter((t) => t.length > 0);
  const token = tokens.find((t) => isHighEntropy(t, secretByName));
  if (token !== undefined) return { kind: 'high-entropy string', secret: token, evidence: 'entropy' };
  return undefined;
}

/** Credentials inside a URL: a password in the user-info part, or a secret-named query parameter. */
export function findUrlSecret(url: string): SecretMatch | undefined {
  const shaped = findSecret(url);
  if (shaped && shaped.evidence === 'shape') return shaped;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.password !== '' && !containsVariableReference(decodeURIComponent(parsed.password))) {
    return {
      kind: 'password in the URL',
      secret: decodeURIComponent(parsed.password),
      evidence: 'url-credentials',
    };
  }
  for (const [key, value] of parsed.searchParams) {
    if (
      !looksLikeSecretName(key) ||
      containsVariableReference(value) ||
      value.length < 8 ||
      PLACEHOLDER.test(value)
    ) {
      continue;
    }
    return { kind: `credential in the URL query (${key})`, secret: value, evidence: 'url-credentials' };
  }
  return undefined;
}

/** Shows enough to find the secret, never enough to use it: the first 4 characters and the length. */
export function redactSecret(secret: string): string {
  const firstLine = secret.split('\n')[0] ?? '';
  return `${firstLine.slice(0, 4)}… (${secret.length} chars)`;
}
