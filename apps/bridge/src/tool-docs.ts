import {
  type SearchToolsResult,
  type ServerMeta,
  type ToolDoc,
  type ToolDocDetail,
  type ToolMeta,
  toolDoc,
} from '@codexec/frame-protocol';

/** The part of an MCP `Tool` the sandbox needs. */
export interface McpToolLike {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema?: Record<string, unknown> | undefined;
  outputSchema?: Record<string, unknown> | undefined;
  annotations?: Record<string, unknown> | undefined;
}

/** An upstream's tools as the sandbox's `execute` frame carries them. Pure. */
export function toServerMeta(
  name: string,
  description: string | undefined,
  tools: readonly McpToolLike[],
): ServerMeta {
  return {
    name,
    ...(description ? { description } : {}),
    tools: tools.map(
      (t): ToolMeta => ({
        name: t.name,
        ...(t.title ? { title: t.title } : {}),
        ...(t.description ? { description: t.description } : {}),
        ...(t.inputSchema ? { inputSchema: t.inputSchema } : {}),
        ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
        ...(t.annotations ? { annotations: { ...t.annotations } } : {}),
      }),
    ),
  };
}

/** Docs of a server's tools, or of the one tool named (by name, case-insensitively). Pure. */
export function queryToolDocs(meta: ServerMeta, tool: string | undefined, detail: ToolDocDetail): ToolDoc[] {
  const wanted = tool?.toLowerCase();
  return meta.tools
    .filter((t) => wanted === undefined || t.name.toLowerCase() === wanted)
    .map((t) => toolDoc(meta.name, t, detail));
}

const WORD = /[a-z0-9]+/g;

function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * Ranks tools of every server against the words of a query: a word in the tool's name counts most, then in its
 * description, then in the server's name or description; tools matching every word come first. Pure.
 */
export function searchToolDocs(
  metas: readonly ServerMeta[],
  query: string,
  limit: number,
  detail: ToolDocDetail,
): SearchToolsResult['results'] {
  const terms = [...new Set(words(query))];
  if (!terms.length) return [];
  const scored: { score: number; order: number; result: SearchToolsResult['results'][number] }[] = [];
  let order = 0;
  for (const meta of metas) {
    const serverWords = new Set(words(`${meta.name} ${meta.description ?? ''}`));
    for (const tool of meta.tools) {
      const nameWords = new Set(words(tool.name.replace(/([a-z])([A-Z])/g, '$1 $2')));
      const text = `${tool.title ?? ''} ${tool.description ?? ''}`.toLowerCase();
      let score = 0;
      let matched = 0;
      for (const term of terms) {
        const inName = nameWords.has(term) ? 3 : tool.name.toLowerCase().includes(term) ? 2 : 0;
        const inText = text.includes(term) ? 1 : 0;
        const inServer = serverWords.has(term) ? 0.5 : 0;
        const best = Math.max(inName, inText, inServer);
        if (best > 0) matched += 1;
        score += inName + inText + inServer;
      }
      if (matched === 0) continue;
      if (matched === terms.length) score += 10;
      scored.push({
        score,
        order: order++,
        result: { ...toolDoc(meta.name, tool, detail), description: tool.description ?? '', score },
      });
    }
  }
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  return scored.slice(0, limit).map((s) => s.result);
}
