/** The parsers of setting values: each turns raw text into a value or throws a string saying what was expected. */
import {
  type ContainerLimits,
  checkLimit,
  isContainerRuntimeError,
  parseSize,
} from '@codexec/container-runtime';
import { parseDuration } from './duration.js';

export function duration(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined) throw 'expected a duration such as 30, 30s, 2m or 500ms';
  return ms;
}

export function integer(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max)
      throw `expected a whole number from ${min} to ${max}`;
    return n;
  };
}

export function bytes(min: number, max: number) {
  return (raw: string): number => {
    const value = parseSize(raw);
    if (value === undefined || value < min || value > max) throw 'expected a size such as 512k, 1m or 64m';
    return value;
  };
}

export function oneOf<T extends string>(...choices: T[]) {
  return (raw: string): T => {
    const value = raw.trim().toLowerCase() as T;
    if (!choices.includes(value)) throw `expected one of ${choices.join(', ')}`;
    return value;
  };
}

export function boolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw 'expected true or false (1/0, yes/no, on/off)';
}

export function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function pathList(raw: string): string[] {
  // Paths may contain commas; the platform's path list separator cannot appear in a path on the same platform.
  return raw
    .split(process.platform === 'win32' ? ';' : ':')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A value the container runtime package checks itself: one set of rules, and its words for what is expected. */
export function checkedBy<T>(check: (raw: string) => T) {
  return (raw: string): T => {
    try {
      return check(raw);
    } catch (error) {
      if (isContainerRuntimeError(error, 'INVALID_OPTIONS') && error.expected)
        throw `expected ${error.expected}`;
      throw error;
    }
  };
}

export function limit<K extends keyof ContainerLimits>(key: K) {
  return checkedBy((raw) => checkLimit(key, raw));
}

export function nonEmpty(what: string) {
  return (raw: string): string => {
    const value = raw.trim();
    if (!value) throw `expected ${what}`;
    return value;
  };
}

/**
 * A Kubernetes object name that is a DNS subdomain (a pod, a RuntimeClass): dot-separated lower-case labels of
 * letters, digits and `-`, at most 253 characters. The message names the kind (`a RuntimeClass name`).
 */
export function kubernetesName(what: string) {
  return (raw: string): string => {
    const value = raw.trim();
    const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
    if (value.length > 253 || !value.split('.').every((part) => label.test(part)))
      throw `expected ${what}: lower-case letters, digits, - and .`;
    return value;
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}
