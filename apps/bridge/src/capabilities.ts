import { formatDuration } from './duration.js';
import type { SavedToolSummary } from './engine.js';

export interface CapabilitiesOptions {
  image: string;
  defaultTimeoutMs: number;
  maxTimeoutSeconds: number;
  memory: string;
  pids: number;
  cpus?: string | undefined;
  user: string;
  maxOutputChars: number;
  /** Names of the servers a run may load. */
  servers: readonly string[];
  /** Whether runs keep state in sessions. */
  sessions?: boolean;
  /** How long an idle session keeps its state. */
  idleTimeoutMs?: number;
  /** The project's saved tools, listed in the manual. */
  savedTools?: readonly SavedToolSummary[] | undefined;
  /** The memory caps, as people read them (`1 MiB`). */
  memoryMaxValue?: string;
  memoryMaxTotal?: string;
  /** How the container limits hold on this engine, when known: the manual then says what is really in force. */
  enforcement?: LimitHolds | undefined;
}

/** What holds each container limit: the engine's cgroups, the runtime's rlimit fallback, or nothing. */
export type LimitHolds = Partial<Record<'memory' | 'pids' | 'cpus', 'cgroup' | 'rlimit' | 'none'>>;

function memoryRow(o: CapabilitiesOptions): string {
  switch (o.enforcement?.memory) {
    case 'rlimit':
      return `${o.memory} per process (this engine applies no cgroup limit: a data limit in each process stands in; past it, \`MemoryError\`)`;
    case 'none':
      return `${o.memory} asked for, **not enforced** on this engine`;
    default:
      return `${o.memory}, no swap`;
  }
}

function processRow(o: CapabilitiesOptions): string {
  switch (o.enforcement?.pids) {
    case 'rlimit':
      return `${o.pids} (an rlimit, shared with the other sandboxes of the same engine user)`;
    case 'none':
      return `${o.pids} asked for, **not enforced** on this engine`;
    default:
      return String(o.pids);
  }
}

function cpuRow(o: CapabilitiesOptions): string {
  if (o.cpus === undefined) return 'no quota';
  return o.enforcement?.cpus === 'none' || o.enforcement?.cpus === 'rlimit'
    ? `${o.cpus} asked for, **not enforced** on this engine`
    : o.cpus;
}

function savedToolsList(tools: readonly SavedToolSummary[] | undefined): string {
  if (!tools?.length) return 'This project has no saved tools yet.\n';
  const lines = tools.slice(0, 50).map((tool) => {
    const head = `- \`${tool.async ? 'await ' : ''}${tool.name}${tool.signature ?? '(...)'}\``;
    const description = tool.description ? `: ${tool.description.split('\n')[0]}` : '';
    return `${head}${description}${tool.stale ? ` **(stale: ${tool.stale})**` : ''}`;
  });
  const more = tools.length > 50 ? [`- and ${tools.length - 50} more (list_saved_tools())`] : [];
  return `This project's saved tools:\n${[...lines, ...more].join('\n')}\n`;
}

/** The sandbox manual served at the capabilities resource (text/markdown). Pure. */
export function capabilitiesMarkdown(o: CapabilitiesOptions): string {
  const servers = o.servers.length
    ? o.servers
        .slice(0, 50)
        .map((s) => `\`${s}\``)
        .join(', ') + (o.servers.length > 50 ? `, and ${o.servers.length - 50} more` : '')
    : 'none are configured';
  const idle = formatDuration(o.idleTimeoutMs ?? 300_000);
  const sessionRows = o.sessions
    ? `| \`session\` | string | a workspace name (letters, digits, \`_.-\`); default \`default\` |
| \`reset\` | boolean | start that workspace afresh before running |
`
    : '';
  const sessions = o.sessions
    ? `
## Sessions: state between calls
Calls of one client share a workspace: variables, imports, functions, and files in \`/workspace\` and \`/tmp\` stay
for the next call, like cells of a notebook. \`session: "name"\` keeps another, independent workspace (for example
one per sub-task); \`reset: true\` starts one afresh. Every result says its session, the run's number in it, and
\`state\`: \`kept\` (earlier state was there) or \`new\` (a fresh interpreter, with \`reason\` when earlier runs
existed). State is lost when its container dies: a run that runs out of memory, exits the interpreter, or ignores
the interrupt sent at its timeout; then the result's \`lost\` says so. A workspace idle for ${idle} is closed.
Calls to one workspace run one after another, in order; different workspaces run side by side.
`
    : '';
  return `# run_python: the sandbox manual

\`run_python\` runs Python 3 in a locked-down container. The code calls the tools of other MCP servers through
generated proxies; only what it prints (and the value of a final expression) comes back.${
    o.sessions ? ' State persists between calls (below).' : ' Every call starts in a fresh container.'
  }

## Arguments
| argument | type | meaning |
| --- | --- | --- |
| \`code\` | string, required | the Python source; top-level \`await\` works |
| \`servers\` | array of strings | MCP servers whose tools the code may call |
| \`timeout\` | integer seconds, 1..${o.maxTimeoutSeconds} | default ${formatDuration(o.defaultTimeoutMs)} |
${sessionRows}
Servers: ${servers}.

## Calling tools
Every server named in \`servers\` is reachable three ways. Each tool is an \`async\` function with the tool's
parameters as its signature and its description as its docstring (\`help(mcp_github.get_issue)\`):
\`\`\`python
result = await mcp_servers["filesystem"].read_text_file(path="/tmp/notes.txt")   # by name
result = await mcp_filesystem.read_text_file(path="/tmp/notes.txt")              # mcp_<alias>
from mcp.servers.filesystem import *                                             # the tools as plain names
\`\`\`
The alias is the name in lowercase with every run of other characters turned into \`_\` (\`@acme/my-server\` is
\`acme_my_server\`). A tool returns its structured content when it has some, otherwise its text (parsed as JSON
when it is JSON). A tool that reports an error raises \`McpToolError\` (a subclass of \`MCPError\`); a call the
bridge's tool policy or the user refuses raises \`ToolCallDenied\` (also an \`MCPError\`; \`.rule\` names the rule).
Calls run concurrently:
\`\`\`python
import asyncio
a, b = await asyncio.gather(mcp_github.get_issue(number=1), mcp_github.get_issue(number=2))
\`\`\`

## Finding tools
\`\`\`python
from mcp import runtime
runtime.discovered_servers()             # every server name the bridge knows, loaded or not
await runtime.list_servers()             # the same, asked of the bridge
runtime.list_loaded_server_metadata()    # servers loaded in this run, with their tools
runtime.describe_server("github")        # one server: its tools, aliases and input schemas
await runtime.query_tool_docs("github")                   # tool docs of any server (tool="name", detail="full")
await runtime.search_tool_docs("create issue", limit=5)   # search tool docs across every server
await runtime.call_tool("github", "get_issue", {"number": 1})   # call any tool by name
runtime.capability_summary()             # this manual in short
\`\`\`
Each async helper has a \`_sync\` twin (\`runtime.search_tool_docs_sync(...)\`) for code that does not await.

## Limits
| what | limit |
| --- | --- |
| network | none (\`--network none\`); tools are the only way out |
| file system | read-only root; \`/tmp\` and \`/workspace\` are small tmpfs mounts, emptied ${o.sessions ? 'when the session ends' : 'after the run'} |
| memory | ${memoryRow(o)} |
| processes | ${processRow(o)} |
| CPU | ${cpuRow(o)} |
| user | ${o.user}, no capabilities, no privilege escalation |
| time | ${formatDuration(o.defaultTimeoutMs)} by default, ${o.maxTimeoutSeconds}s at most; ${o.sessions ? 'the code is interrupted when time runs out (its container removed if it does not stop)' : 'the container is removed when time runs out'} |
| output | ${o.maxOutputChars} characters; longer output is cut with a marker saying how much |
| image | \`${o.image}\` (standard library only unless the image has more) |

## Results
The result has a \`status\`: \`success\`, \`error\` (an exception; \`error\` carries its type, message and traceback),
\`timeout\`, \`cancelled\`, or \`validation_error\` (the arguments were wrong; nothing ran). Its structured content
has \`status\` and \`summary\` always, and when they have content: \`stdout\` and \`stderr\` (arrays of lines),
\`value\` (the final expression as JSON) or \`repr\` (as text), \`error\`, \`traceback\` (lines), \`exitCode\`,
\`servers\`, \`timeoutSeconds\`, \`durationMs\`, \`calls\` (tool calls made), \`truncated\` (what the output cap cut)
and \`session\` (\`name\`, \`run\`, \`state\`, \`reason\`, \`lost\`).
The result's text holds the same content as one fenced block, in whichever of two forms takes fewer tokens:
\` \`\`\`json \` (minified JSON) or \` \`\`\`toon \` (TOON: \`key: value\` per line, nesting by indentation;
\`key[N]: a,b,c\` is a list of N values; \`key[N]{a,b}:\` is a list of N records, one \`a,b\` row per line below it;
strings are quoted, with JSON escapes, only where they must be). Both read back to exactly the structured content.
A bridge set to another output mode sends plain text or indented JSON instead.
${sessions}
## Memory: values that outlive sessions and restarts
Plain functions (also in \`mcp.runtime\`), synchronous, usable in async code too. Values are JSON; they are kept
by the bridge for this project, outside the container:
\`\`\`python
save_memory("prefs", {"theme": "dark"})      # create or replace
load_memory("prefs", default=None)         # the value, or default
update_memory("prefs", {"size": 2})        # must exist (KeyError); dicts are merged, other values replaced
delete_memory("prefs")                     # True if it existed
list_memories(prefix="")                   # sorted keys
memory_exists("prefs"); get_memory_info("prefs")   # {key, size, created, updated} or None
\`\`\`
Keys are names (1 to 200 characters, no \`/\`, \`\\\`, control characters, \`.\` or \`..\`): anything else is a
\`ValueError\`. A value that is not JSON is a \`TypeError\`; one over ${o.memoryMaxValue ?? '1 MiB'} of JSON, or one that would take the
project over ${o.memoryMaxTotal ?? '64 MiB'}, is a \`ValueError\` and nothing is changed.

## Saved tools: functions for every later run
\`save_tool(func, name=None, description=None)\` keeps a function the code defined (or its source as a string) for
this project: every later run, in any session and after restarts, has it as a plain name, as \`skills.<name>\` and
through \`from skills import <name>\`; async functions stay async. What the function uses goes with it: the modules
it imports, objects it imports from modules, helper functions of the session it calls, JSON-like constants, and
the MCP servers it calls (\`mcp_<alias>.<tool>\`, loaded for it when a run does not load them). A global that
cannot go with it, a name that shadows a builtin or a server alias, or a source that does not compile is refused
with a clear error, and nothing is saved. \`list_saved_tools()\`, \`delete_saved_tool(name)\`, and
\`await runtime.query_tool_docs("skills")\` / \`search_tool_docs\` document them. When an upstream tool a saved tool
calls disappears or changes its input schema, the saved tool is marked stale (with the reason) wherever it is
listed; it still runs, and its errors say what changed.
${savedToolsList(o.savedTools)}
## Files and images in the result
\`runtime.attach(path_or_bytes, mime_type=None, name=None)\` hands a file back with the result, and
\`runtime.show(image)\` an image (PNG, JPEG, GIF or WebP bytes or path, a matplotlib figure, a PIL image): images
arrive as images, other files as embedded resources. At most 5 MiB a file and 20 MiB a run (\`ValueError\` past it).

## Examples
\`\`\`python
files = await mcp_filesystem.list_directory(path="/tmp")
print(files)
\`\`\`
\`\`\`python
from mcp import runtime
hits = await runtime.search_tool_docs("echo")
print(hits)
\`\`\`
`;
}
