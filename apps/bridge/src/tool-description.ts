import { formatDuration } from './duration.js';

export const CAPABILITIES_URI = 'resource://mcp-server-code-execution-mode/capabilities';
export const SERVERS_URI = 'resource://mcp-server-code-execution-mode/servers';

/** What the tool description says about one server. */
export interface ServerSummary {
  name: string;
  /** One line: the config's description, or a hint of what runs (`npx server-filesystem`). */
  summary?: string | undefined;
}

export interface ToolDescriptionOptions {
  defaultTimeoutMs: number;
  maxTimeoutSeconds: number;
  memory: string;
  /** Whether state persists between calls (sessions), which the description then says in a sentence. */
  sessions?: boolean;
  /** Servers shown with their summary; the rest are listed by name. */
  detailedLimit?: number;
  /** Characters spent on the names of the remaining servers before "and N more". */
  namesBudget?: number;
}

const SUMMARY_CHARS = 70;

/**
 * The description of `run_python`: what it does, the servers it can load and how, and the in-sandbox helpers.
 * Its size is bounded however many servers there are (the test measures it in tokens). Pure.
 */
export function toolDescription(servers: readonly ServerSummary[], options: ToolDescriptionOptions): string {
  const detailedLimit = options.detailedLimit ?? 10;
  const namesBudget = options.namesBudget ?? 400;
  const lines = [
    `Run Python 3 in a sandbox (no network; only /tmp and /workspace writable; ${options.memory} memory; ` +
      `timeout ${formatDuration(options.defaultTimeoutMs)}, at most ${options.maxTimeoutSeconds}s via \`timeout\`). ` +
      "Returns what the code prints and its last expression's value; top-level `await` works.",
  ];
  if (options.sessions) {
    lines.push(
      'Variables, imports and files persist between calls (`session`: another workspace; `reset`: start afresh); ' +
        'save_memory() and save_tool(func) persist across sessions.',
    );
  }
  if (servers.length === 0) {
    lines.push('No MCP servers are configured, so the code can use only the Python standard library.');
  } else {
    lines.push(
      'MCP servers (list those used in `servers`; call `await mcp_<name>.<tool>(arg=...)`, ' +
        'name lowercased, other characters _):',
    );
    for (const server of servers.slice(0, detailedLimit)) {
      lines.push(server.summary ? `- ${server.name}: ${oneLine(server.summary)}` : `- ${server.name}`);
    }
    const rest = servers.slice(detailedLimit);
    if (rest.length) {
      const shown: string[] = [];
      let used = 0;
      for (const server of rest) {
        if (used + server.name.length + 2 > namesBudget) break;
        shown.push(server.name);
        used += server.name.length + 2;
      }
      const more = rest.length - shown.length;
      lines.push(`- also: ${shown.join(', ')}${more ? `, and ${more} more` : ''}`);
    }
  }
  lines.push(
    'Find tools: `from mcp import runtime`, then `await runtime.search_tool_docs("query")` or ' +
      `\`await runtime.query_tool_docs("server")\`. Manual: ${CAPABILITIES_URI}`,
  );
  return lines.join('\n');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SUMMARY_CHARS ? `${flat.slice(0, SUMMARY_CHARS - 1).trimEnd()}…` : flat;
}
