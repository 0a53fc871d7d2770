/**
 * Asking the user whether a tool call may go ahead, through MCP elicitation: one question at a time per client,
 * with "allow for the rest of the session" remembered per session and tool (for runs without sessions, for the
 * client's connection).
 */
import { messageOf } from '@codexec/internal';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ApprovalOutcome, ApprovalRequest } from './engine.js';
import type { Logger } from './logger.js';

/** The longest rendering of a call's arguments in a question. */
const MAX_ARGUMENT_CHARS = 1500;

const ALLOW_ONCE = 'allow once';
const ALLOW_SESSION = 'allow for this session';
const DENY = 'deny';

/** A call's arguments as a person reads them, cut to a size a dialog can show. Pure. */
export function renderArguments(args: Record<string, unknown>, max = MAX_ARGUMENT_CHARS): string {
  const text = JSON.stringify(args, null, 2) ?? '{}';
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Whether a call of a tool with these annotations needs the user's approval in this mode. Pure. */
export function needsApproval(
  mode: 'never' | 'destructive' | 'all',
  annotations: Record<string, unknown> | undefined,
): boolean {
  if (mode === 'never') return false;
  if (mode === 'all') return true;
  // As the MCP spec reads the hints: a tool is destructive unless it says it only reads, or says it is not.
  return annotations?.readOnlyHint !== true && annotations?.destructiveHint !== false;
}

export interface ApproverOptions {
  /** How long a question waits for an answer before the call is denied. */
  timeoutMs: number;
  logger: Logger;
}

/** The approver of one client connection. */
export function createApprover(server: Server, options: ApproverOptions) {
  const allowed = new Set<string>();
  let turn: Promise<unknown> = Promise.resolve();
  const key = (request: ApprovalRequest) => `${request.session ?? ''}\0${request.server}.${request.tool}`;

  const ask = async (
    request: ApprovalRequest,
    signal: AbortSignal,
    relatedRequestId: string | number | undefined,
  ): Promise<ApprovalOutcome> => {
    if (allowed.has(key(request))) return 'allowed earlier in the session';
    if (!server.getClientCapabilities()?.elicitation) return 'unavailable';
    const name = `${request.server}.${request.tool}`;
    try {
      const answer = await server.elicitInput(
        {
          message:
            `The code wants to call ${name} with:\n${renderArguments(request.arguments)}\n` +
            'Allow this call?',
          requestedSchema: {
            type: 'object',
            properties: {
              decision: {
                type: 'string',
                title: `Call ${name}?`,
                enum: [ALLOW_ONCE, ALLOW_SESSION, DENY],
                default: ALLOW_ONCE,
              },
            },
            required: ['decision'],
          },
        },
        {
          signal,
          timeout: options.timeoutMs,
          ...(relatedRequestId === undefined ? {} : { relatedRequestId }),
        },
      );
      if (answer.action === 'cancel') return 'cancelled';
      if (answer.action !== 'accept') return 'declined';
      const decision = answer.content?.decision;
      if (decision === ALLOW_SESSION) {
        allowed.add(key(request));
        return 'allowed for the session';
      }
      return decision === ALLOW_ONCE ? 'allowed once' : 'declined';
    } catch (error) {
      if (signal.aborted) return 'cancelled';
      // The SDK's own deadline for the question (`timeout`, or a total one): the code says so, not the wording.
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return 'timed out';
      const message = messageOf(error);
      options.logger.warn('could not ask the user about a tool call', { tool: name, error: message });
      return /does not support/i.test(message) ? 'unavailable' : 'cancelled';
    }
  };

  /** Asks about one call once the questions before it are answered. */
  return (
    request: ApprovalRequest,
    signal: AbortSignal,
    relatedRequestId?: string | number,
  ): Promise<ApprovalOutcome> => {
    const mine = turn.then(() =>
      signal.aborted ? ('cancelled' as const) : ask(request, signal, relatedRequestId),
    );
    turn = mine.catch(() => undefined);
    return mine;
  };
}
