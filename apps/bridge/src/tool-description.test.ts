import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { CAPABILITIES_URI, type ServerSummary, toolDescription } from './tool-description.js';

const options = { defaultTimeoutMs: 30_000, maxTimeoutSeconds: 120, memory: '512m' };
const encoding = getEncoding('o200k_base');
const tokens = (text: string) => encoding.encode(text).length;

function servers(count: number): ServerSummary[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `server-${String(i).padStart(3, '0')}`,
    summary: `Tools for system number ${i}: search, read, write and list records of every kind it knows about`,
  }));
}

describe('toolDescription', () => {
  it('lists each server with its summary, how to load them and the helpers', () => {
    const text = toolDescription(
      [{ name: 'github', summary: 'GitHub issues and pull requests' }, { name: 'filesystem' }],
      options,
    );
    expect(text).toContain('- github: GitHub issues and pull requests');
    expect(text).toContain('- filesystem\n');
    expect(text).toContain('`servers`');
    expect(text).toContain('await mcp_<name>.<tool>(arg=...)');
    expect(text).toContain('runtime.search_tool_docs');
    expect(text).toContain(CAPABILITIES_URI);
    expect(text).toContain('timeout 30s');
    expect(text).toContain('at most 120s via `timeout`');
  });

  it('says so when there are no servers', () => {
    expect(toolDescription([], options)).toContain('No MCP servers are configured');
  });

  it('cuts long summaries to one short line', () => {
    const text = toolDescription(
      [{ name: 'x', summary: `first line\nsecond ${'word '.repeat(40)}` }],
      options,
    );
    const line = text.split('\n').find((l) => l.startsWith('- x:'))!;
    expect(line.length).toBeLessThan(80);
    expect(line).toContain('first line second');
    expect(line.endsWith('…')).toBe(true);
  });

  it('names every server when there are few and counts the rest when there are many', () => {
    const few = toolDescription(servers(20), options);
    for (const s of servers(20)) expect(few).toContain(s.name);
    const many = toolDescription(servers(100), options);
    expect(many).toMatch(/and \d+ more/);
  });

  it.each([0, 1, 10, 100, 1000])('stays small with %d servers', (count) => {
    const text = toolDescription(servers(count), options);
    const n = tokens(text);
    console.info(`run_python description with ${count} servers: ${n} tokens, ${text.length} characters`);
    expect(n).toBeLessThan(800);
  });

  it('grows no further past a few dozen servers', () => {
    const at100 = tokens(toolDescription(servers(100), options));
    const at1000 = tokens(toolDescription(servers(1000), options));
    expect(at1000 - at100).toBeLessThan(5);
  });
});
