/** Reads a run outcome, whatever shape it came in, into what a render is made of. */
import { type ResolvedOptions, SUMMARY_MAX_CHARS } from './options.js';
import {
  type AttachmentOutcome,
  OUTCOME_STATUSES,
  type OutcomeStatus,
  type RunOutcome,
  type SessionOutcome,
  type UpstreamTruncation,
} from './run-outcome.js';
import type { StructuredResult } from './structured-result.js';
import { headline, validSeconds } from './summary.js';
import { codePointLength, perCodePoint } from './text-metrics.js';
import { shortenLine } from './truncate.js';

export interface RenderResult {
  /** What the model reads: a fenced TOON or JSON block, or compact plain text. Never longer than `maxChars`. */
  text: string;
  /** The same result as JSON (MCP `structuredContent`), cut exactly as far as `text` is. */
  structured: StructuredResult;
}

import { costModels, makePart, type Part, valuePart } from './parts.js';
export interface Collected {
  status: OutcomeStatus;
  /** The summary as derived, before any cap: caps always cut from it, so marker counts stay exact. */
  fullSummary: string;
  summary: string;
  exitCode?: number;
  timeoutSeconds?: number;
  durationMs?: number;
  calls?: number;
  parts: Part[];
  sandbox?: UpstreamTruncation;
  session?: SessionOutcome;
  attachments?: AttachmentOutcome[];
}

/** Attachments listed in a result at most (the rest are counted in the last entry's name). */
const MAX_LISTED_ATTACHMENTS = 50;

function attachmentsOf(given: unknown): AttachmentOutcome[] | undefined {
  if (!Array.isArray(given)) return undefined;
  const valid = given.filter(
    (a): a is AttachmentOutcome =>
      a !== null &&
      typeof a === 'object' &&
      typeof a.name === 'string' &&
      typeof a.mimeType === 'string' &&
      Number.isInteger(a.size) &&
      a.size >= 0,
  );
  const listed = valid
    .slice(0, MAX_LISTED_ATTACHMENTS)
    .map((a) => ({ name: capSummary(a.name, 255), mimeType: capSummary(a.mimeType, 255), size: a.size }));
  if (valid.length > MAX_LISTED_ATTACHMENTS) {
    listed.push({
      name: `… and ${valid.length - MAX_LISTED_ATTACHMENTS} more`,
      mimeType: 'text/plain',
      size: 0,
    });
  }
  return listed.length ? listed : undefined;
}

/** Longest `reason` or `lost` note of a session kept in a result (the sandbox's notes are one sentence). */
const SESSION_NOTE_CHARS = 300;

function sessionOf(given: unknown): SessionOutcome | undefined {
  if (given === null || typeof given !== 'object') return undefined;
  const { name, run, state, reason, lost } = given as Record<string, unknown>;
  if (typeof name !== 'string' || !Number.isInteger(run) || (run as number) < 1) return undefined;
  if (state !== 'new' && state !== 'kept') return undefined;
  const note = (text: unknown): string | undefined =>
    typeof text === 'string' && text !== '' ? capSummary(text, SESSION_NOTE_CHARS) : undefined;
  const session: SessionOutcome = { name: capSummary(name, 100), run: run as number, state };
  const why = note(reason);
  if (why) session.reason = why;
  const gone = note(lost);
  if (gone) session.lost = gone;
  return session;
}

// JSON has no -0: it reads back as 0, so it is written as 0.
const withoutNegativeZero = (value: number): number => (value === 0 ? 0 : value);

const countOrUndefined = (value: unknown): number | undefined =>
  Number.isInteger(value) && (value as number) >= 0 ? withoutNegativeZero(value as number) : undefined;

function sandboxTruncation(given: RunOutcome['truncated']): UpstreamTruncation | undefined {
  if (given === null || typeof given !== 'object') return undefined;
  const out: UpstreamTruncation = {};
  for (const stream of ['stdout', 'stderr'] as const) {
    if (given[stream] === true) out[stream] = true;
    else if (given[stream] === false) out[stream] = false;
    const bytes = countOrUndefined(given[`${stream}Bytes`]);
    if (bytes !== undefined) out[`${stream}Bytes`] = bytes;
  }
  const reported = out.stdout || out.stderr || out.stdoutBytes || out.stderrBytes;
  return reported ? out : undefined;
}

export function collect(outcome: RunOutcome, options: ResolvedOptions): Collected {
  const models = costModels(options.mode, options.maxLineChars);
  const status: OutcomeStatus = OUTCOME_STATUSES.includes(outcome.status) ? outcome.status : 'error';
  const servers = Array.isArray(outcome.servers)
    ? outcome.servers.filter((name) => name !== undefined && name !== null && name !== '').map(String)
    : [];
  const stdout = makePart('stdout', 'lines', { text: outcome.stdout, dropBlank: true }, models, options);
  const stderr = makePart('stderr', 'lines', { text: outcome.stderr, dropBlank: true }, models, options);
  const value = valuePart(outcome, options, models);
  const head = headline(outcome, status, stdout !== undefined || stderr !== undefined || value !== undefined);
  const error = makePart('error', 'joined', { text: head.error, dropBlank: false }, models, options);
  const traceback =
    outcome.error !== null && typeof outcome.error === 'object'
      ? makePart('traceback', 'lines', { text: outcome.error.traceback, dropBlank: true }, models, options)
      : undefined;
  const parts = [
    makePart('servers', 'lines', { list: servers }, models, options),
    stdout,
    stderr,
    value,
    error,
    traceback,
  ].filter((part) => part !== undefined);

  const duration = validSeconds(outcome.durationMs);
  const collected: Collected = {
    status,
    fullSummary: head.summary,
    summary: capSummary(head.summary, SUMMARY_MAX_CHARS),
    parts,
  };
  if (Number.isInteger(outcome.exitCode))
    collected.exitCode = withoutNegativeZero(outcome.exitCode as number);
  const timeout = validSeconds(outcome.timeoutSeconds);
  if (status === 'timeout' && timeout !== undefined) collected.timeoutSeconds = withoutNegativeZero(timeout);
  if (duration !== undefined) collected.durationMs = withoutNegativeZero(Math.round(duration));
  const calls = countOrUndefined(outcome.calls);
  if (calls !== undefined) collected.calls = calls;
  const sandbox = sandboxTruncation(outcome.truncated);
  if (sandbox) collected.sandbox = sandbox;
  const session = sessionOf(outcome.session);
  if (session) collected.session = session;
  const attachments = attachmentsOf(outcome.attachments);
  if (attachments) collected.attachments = attachments;
  return collected;
}

export function capSummary(summary: string, maxChars: number): string {
  const chars = codePointLength(summary);
  if (chars <= maxChars) return summary;
  return (
    shortenLine(summary, chars, {
      maxKeptChars: maxChars,
      maxKeptCost: Number.POSITIVE_INFINITY,
      cost: perCodePoint,
    })?.text ?? summary
  );
}
