import { linkedSignal, messageOf } from '@codexec/internal';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { cursorLoopError } from './error-mapping.js';
import type { Live, Slot } from './slot.js';

/**
 * Every tool of the live connection, across every page of `tools/list`. On success the slot remembers the list
 * and emits `toolsChanged` when it differs from the last one; on failure the connection forgets the attempt, so
 * the next `metadata()` asks again.
 * @throws {UpstreamError} `PROTOCOL_ERROR` when the server repeats a cursor; the SDK's errors otherwise.
 */
export function fetchTools(slot: Slot, live: Live): Promise<Tool[]> {
  const client = live.connection!.client;
  const fetching = (async () => {
    const tools: Tool[] = [];
    const cursors = new Set<string>();
    let cursor: string | undefined;
    do {
      // The SDK never removes the listener it adds to a request's signal: give it one that is unlinked after.
      const link = linkedSignal([slot.runtime.lifetime]);
      const page = await client
        .listTools(cursor === undefined ? undefined : { cursor }, {
          timeout: slot.tuning.listTimeoutMs,
          signal: link.signal,
        })
        .finally(link.unlink);
      tools.push(...page.tools);
      cursor = page.nextCursor;
      if (cursor !== undefined && cursors.has(cursor)) throw cursorLoopError(slot.name, cursor);
      if (cursor !== undefined) cursors.add(cursor);
    } while (cursor !== undefined);
    return tools;
  })();
  fetching.then(
    (tools) => {
      const previous = slot.knownTools;
      slot.knownTools = tools;
      slot.consecutiveFailures = 0;
      if (previous && JSON.stringify(previous) !== JSON.stringify(tools)) {
        slot.runtime.events.emit({ type: 'toolsChanged', server: slot.name, tools });
      }
    },
    () => {
      if (live.tools === fetching) live.tools = undefined;
    },
  );
  return fetching;
}

/** `notifications/tools/list_changed`: refetches the list if anyone has read it on this connection. */
export function refreshTools(slot: Slot, live: Live): void {
  if (slot.live !== live) return;
  slot.runtime.logger.debug('upstream tool list changed', { server: slot.name });
  // Nobody has asked for the tools of this connection yet: the next metadata() reads the new list anyway.
  if (live.tools === undefined) return;
  live.tools = fetchTools(slot, live);
  live.tools.catch((error: unknown) =>
    slot.runtime.logger.warn('refreshing the tool list failed', {
      server: slot.name,
      error: messageOf(error),
    }),
  );
}
