import { timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from './settings.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Host names as the Host header carries them (IPv6 in brackets, no port). */
function headerName(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host.toLowerCase();
}

/**
 * The Host header names accepted (DNS rebinding protection), or undefined when any is: a wildcard bind with no
 * names configured, which settings only allow with a token. Pure.
 */
export function allowedHostNames(bindHost: string, extra: readonly string[]): string[] | undefined {
  const names = new Set(extra.map(headerName));
  if (isLoopbackHost(bindHost)) {
    for (const n of LOOPBACK_NAMES) names.add(n);
    names.add(headerName(bindHost));
  } else if (bindHost !== '0.0.0.0' && bindHost !== '::') {
    names.add(headerName(bindHost));
  }
  return names.size ? [...names] : undefined;
}

/**
 * Whether a request's Origin header may reach the server. Requests without one (every non-browser client) pass;
 * a browser page passes only when its origin is listed or served from an accepted host name. Pure.
 */
export function originAllowed(
  origin: string | undefined,
  rules: { hosts: readonly string[] | undefined; origins: readonly string[] },
): boolean {
  if (origin === undefined) return true;
  if (rules.origins.includes(origin)) return true;
  let hostname: string;
  try {
    hostname = new URL(origin).hostname;
  } catch {
    return false;
  }
  return rules.hosts?.includes(headerName(hostname)) ?? false;
}

/** Compares a presented bearer token with the configured one in constant time. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
