import type { FrameChannel, ServerMeta, ToolDoc } from '@codexec/frame-protocol';
import type { Logger } from './logger.js';
import {
  checkSkillName,
  type SkillDependency,
  type SkillRecord,
  type SkillStore,
  SkillStoreError,
  skillSummary,
  staleText,
} from './skill-store.js';
import { storeRequests } from './store-requests.js';
import type { ToolHost } from './tool-host.js';

/** The pseudo server under which saved tools are documented (`query_tool_docs("skills")`). */
export const SKILLS_SERVER = 'skills';

export interface ServeSkillsOptions {
  store: SkillStore;
  /** The metadata of the servers loaded in the run, and the host for the others. */
  servers: readonly ServerMeta[];
  toolHost: ToolHost | undefined;
  runSignal: AbortSignal;
  logger: Logger;
}

/** Serves `skills/save`, `skills/list` and `skills/delete` of one run. Returns a function that removes them. */
export function serveSkills(channel: FrameChannel<'host'>, options: ServeSkillsOptions): () => void {
  const { store, servers, toolHost, runSignal, logger } = options;
  const call = storeRequests({
    runSignal,
    logger,
    label: 'saved-tool',
    isStoreError: (error): error is SkillStoreError => error instanceof SkillStoreError,
    failure: 'The saved tools could not be served',
  });

  const metaOf = async (server: string, signal: AbortSignal): Promise<ServerMeta | undefined> =>
    servers.find((meta) => meta.name === server) ?? (await toolHost?.describeServer?.(server, { signal }));

  const removers = [
    channel.onRequest('skills/save', (params, context) =>
      call(
        'save',
        async (signal) => {
          const name = checkSkillName(params.name);
          const uses: SkillDependency[] = [];
          const seen = new Set<string>();
          for (const use of params.uses) {
            if (!use.server) {
              throw new SkillStoreError(
                'INVALID_TOOL',
                `${name} calls mcp_${use.alias}.${use.tool}, but no server has the alias ${use.alias}`,
              );
            }
            const key = `${use.server}\u0000${use.tool}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const meta = await metaOf(use.server, signal).catch(() => undefined);
            if (!meta) {
              throw new SkillStoreError(
                'INVALID_TOOL',
                `${name} calls the server ${use.server}, which is not configured (or did not start)`,
              );
            }
            const tool = meta.tools.find((t) => t.name === use.tool);
            if (!tool) {
              const names = meta.tools.map((t) => t.name).join(', ') || '(none)';
              throw new SkillStoreError(
                'INVALID_TOOL',
                `${name} calls ${use.server}.${use.tool}, but ${use.server} has no such tool; its tools: ${names}`,
              );
            }
            uses.push({
              server: use.server,
              tool: use.tool,
              ...(tool.inputSchema ? { inputSchema: tool.inputSchema } : {}),
            });
          }
          const now = new Date().toISOString();
          const record: SkillRecord = {
            name,
            ...(params.description ? { description: params.description } : {}),
            ...(params.signature ? { signature: params.signature } : {}),
            source: params.source,
            async: params.async,
            uses,
            created: now,
            updated: now,
          };
          return skillSummary(await store.save(record, { signal }));
        },
        context.signal,
      ),
    ),
    channel.onRequest('skills/list', (_params, context) =>
      call(
        'list',
        async (signal) => ({ skills: (await store.list({ signal })).map(skillSummary) }),
        context.signal,
      ),
    ),
    channel.onRequest('skills/delete', (params, context) =>
      call(
        'delete',
        async (signal) => ({ deleted: await store.delete(checkSkillName(params.name), { signal }) }),
        context.signal,
      ),
    ),
  ];
  return () => {
    for (const remove of removers) remove();
  };
}

/** A saved tool as documentation: its signature and description, and why it is stale when it is. Pure. */
export function skillDoc(record: SkillRecord): ToolDoc & { description: string } {
  const stale = staleText(record);
  const parts = [
    `${record.async ? 'async ' : ''}${record.name}${record.signature ?? '(...)'}`,
    record.description,
    record.uses.length ? `calls ${record.uses.map((u) => `${u.server}.${u.tool}`).join(', ')}` : undefined,
    stale ? `STALE: ${stale}` : undefined,
  ].filter((part): part is string => !!part);
  return { server: SKILLS_SERVER, tool: record.name, description: parts.join(' — ') };
}
