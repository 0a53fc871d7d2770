import { isDeepStrictEqual } from 'node:util';
import type { SkillSource, SkillSummary, ToolMeta } from '@codexec/frame-protocol';

/** An upstream tool a saved tool calls, with its input schema as it was when the tool was saved. */
export interface SkillDependency {
  server: string;
  tool: string;
  inputSchema?: Record<string, unknown>;
}

/** A saved tool (a "skill"): a function the code wrote once and reuses in later runs. */
export interface SkillRecord {
  /** A Python identifier. */
  name: string;
  description?: string;
  /** `(repo, limit=10)`. */
  signature?: string;
  /** Module source defining the function `name`, with the imports and constants it needs. */
  source: string;
  async: boolean;
  uses: SkillDependency[];
  /** Why it may no longer work, by the server that changed; absent when it is current. */
  staleBy?: Record<string, string>;
  /** ISO 8601. */
  created: string;
  updated: string;
}

/**
 * Where saved tools live, outside the container (`createFileSkillStore`, or your own). Every method may throw
 * `SkillStoreError`.
 */
export interface SkillStore {
  /** Every saved tool, sorted by name; unreadable entries are left out and reported to the logger. */
  list(options?: { signal?: AbortSignal }): Promise<SkillRecord[]>;
  get(name: string, options?: { signal?: AbortSignal }): Promise<SkillRecord | undefined>;
  /** Creates or replaces a saved tool (the creation time of one it replaces is kept). */
  save(record: SkillRecord, options?: { signal?: AbortSignal }): Promise<SkillRecord>;
  delete(name: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  /**
   * Records why a saved tool may no longer work because of one server (`staleReason`), or that this server is fine
   * (`undefined`); a no-op when nothing changes.
   */
  setStale(
    name: string,
    server: string,
    reason: string | undefined,
    options?: { signal?: AbortSignal },
  ): Promise<void>;
}

/**
 * - `INVALID_NAME`: not a Python identifier of at most 100 characters.
 * - `INVALID_TOOL`: the saved tool cannot be saved as given (it calls a server or tool that does not exist).
 * - `CORRUPT`: what is stored for it cannot be read.
 * - `IO`: the storage failed.
 */
export type SkillStoreErrorCode = 'INVALID_NAME' | 'INVALID_TOOL' | 'CORRUPT' | 'IO';

export class SkillStoreError extends Error {
  override readonly name = 'SkillStoreError';
  readonly code: SkillStoreErrorCode;

  constructor(code: SkillStoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** Throws `INVALID_NAME` unless the name is an identifier a saved tool may have. Pure. */
export function checkSkillName(name: unknown): string {
  if (typeof name === 'string' && NAME.test(name)) return name;
  throw new SkillStoreError(
    'INVALID_NAME',
    `${JSON.stringify(name)} is not a name for a saved tool: use a Python identifier of at most 100 characters`,
  );
}

/** Why a saved tool may no longer work, in one sentence, or undefined when it is current. Pure. */
export function staleText(record: Pick<SkillRecord, 'staleBy'>): string | undefined {
  const reasons = Object.values(record.staleBy ?? {});
  return reasons.length ? reasons.join('; ') : undefined;
}

/** How a saved tool is listed (no source). Pure. */
export function skillSummary(record: SkillRecord): SkillSummary {
  const stale = staleText(record);
  return {
    name: record.name,
    ...(record.description ? { description: record.description } : {}),
    ...(record.signature ? { signature: record.signature } : {}),
    async: record.async,
    uses: record.uses.map((use) => `${use.server}.${use.tool}`),
    ...(stale ? { stale } : {}),
    created: record.created,
    updated: record.updated,
  };
}

/** How a saved tool travels to the runtime. Pure. */
export function skillSource(record: SkillRecord): SkillSource {
  const stale = staleText(record);
  return {
    name: record.name,
    ...(record.description ? { description: record.description } : {}),
    source: record.source,
    ...(stale ? { stale } : {}),
  };
}

/**
 * Why a saved tool may no longer work, judged from the current tools of one server it calls (`undefined` for a
 * server that is gone), or undefined when every tool it calls on that server is there with the schema it had. Pure.
 */
export function staleReason(
  record: SkillRecord,
  server: string,
  tools: readonly Pick<ToolMeta, 'name' | 'inputSchema'>[] | undefined,
): string | undefined {
  const reasons: string[] = [];
  for (const use of record.uses) {
    if (use.server !== server) continue;
    if (!tools) {
      reasons.push(`server ${server} is no longer configured`);
      break;
    }
    const now = tools.find((tool) => tool.name === use.tool);
    if (!now) reasons.push(`${server}.${use.tool} no longer exists`);
    else if (!isDeepStrictEqual(now.inputSchema ?? {}, use.inputSchema ?? {})) {
      reasons.push(`${server}.${use.tool} changed its input schema since the tool was saved`);
    }
  }
  return reasons.length ? reasons.join('; ') : undefined;
}
