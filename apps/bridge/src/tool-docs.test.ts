import { describe, expect, it } from 'vitest';
import { queryToolDocs, searchToolDocs, toServerMeta } from './tool-docs.js';

const github = toServerMeta('github', 'GitHub issues and pull requests', [
  { name: 'create_issue', description: 'Open a new issue in a repository', inputSchema: { type: 'object' } },
  { name: 'get_issue', description: 'Read one issue' },
  { name: 'list_pull_requests', description: 'Pull requests of a repository' },
]);
const files = toServerMeta('filesystem', undefined, [
  { name: 'read_text_file', description: 'Read a file as text', title: 'Read file' },
  { name: 'searchFiles', description: 'Find files by pattern' },
]);

describe('toServerMeta', () => {
  it('keeps what the sandbox needs and drops empty fields', () => {
    expect(files).toEqual({
      name: 'filesystem',
      tools: [
        { name: 'read_text_file', title: 'Read file', description: 'Read a file as text' },
        { name: 'searchFiles', description: 'Find files by pattern' },
      ],
    });
    expect(github.description).toBe('GitHub issues and pull requests');
  });
});

describe('queryToolDocs', () => {
  it('gives every tool, or the one named, in summary or full detail', () => {
    expect(queryToolDocs(github, undefined, 'summary').map((d) => d.tool)).toEqual([
      'create_issue',
      'get_issue',
      'list_pull_requests',
    ]);
    expect(queryToolDocs(github, 'GET_ISSUE', 'summary')).toEqual([
      { server: 'github', tool: 'get_issue', description: 'Read one issue' },
    ]);
    expect(queryToolDocs(github, 'create_issue', 'full')[0]).toMatchObject({
      inputSchema: { type: 'object' },
    });
    expect(queryToolDocs(github, 'get_issue', 'full')[0]).toMatchObject({ inputSchema: { type: 'object' } });
    expect(queryToolDocs(github, 'nope', 'summary')).toEqual([]);
  });
});

describe('searchToolDocs', () => {
  it.each<[string, string[]]>([
    ['create issue', ['create_issue']],
    ['issue', ['create_issue', 'get_issue']],
    ['read', ['read_text_file', 'get_issue']],
    ['search files', ['searchFiles']],
    ['pull', ['list_pull_requests']],
    ['', []],
    ['zebra', []],
  ])('%j ranks %j first', (query, expected) => {
    const results = searchToolDocs([github, files], query, 10, 'summary');
    expect(results.slice(0, expected.length).map((r) => r.tool)).toEqual(expected);
  });

  it('honours the limit and reports scores, best first', () => {
    const results = searchToolDocs([github, files], 'issue repository', 2, 'summary');
    expect(results).toHaveLength(2);
    expect(results[0]!.score).toBeGreaterThanOrEqual(results[1]!.score!);
    expect(results[0]!.tool).toBe('create_issue');
  });

  it('adds schemas in full detail and always carries a description', () => {
    const [first] = searchToolDocs([files], 'pattern', 1, 'full');
    expect(first).toMatchObject({
      server: 'filesystem',
      tool: 'searchFiles',
      inputSchema: { type: 'object' },
    });
    const noDescription = toServerMeta('x', undefined, [{ name: 'ping' }]);
    expect(searchToolDocs([noDescription], 'ping', 1, 'summary')[0]).toMatchObject({ description: '' });
  });
});
