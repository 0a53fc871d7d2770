import { describe, expect, test } from 'vitest';
import { ToolDoc, toolDoc } from './methods.js';

describe('toolDoc', () => {
  const tool = {
    name: 'get_issue',
    title: 'Get issue',
    description: 'One issue',
    inputSchema: { type: 'object', properties: { n: { type: 'integer' } } },
    annotations: { readOnlyHint: true },
  };

  test('summary: server, tool and description only', () => {
    expect(toolDoc('github', tool, 'summary')).toEqual({
      server: 'github',
      tool: 'get_issue',
      description: 'One issue',
    });
  });

  test('full: title, schemas and annotations too, and a valid ToolDoc', () => {
    const doc = toolDoc('github', tool, 'full');
    expect(doc).toEqual({ server: 'github', tool: 'get_issue', ...tool, name: undefined });
    expect(ToolDoc.parse(doc)).toEqual(doc);
  });

  test('a tool without an input schema takes no arguments; an empty description is left out', () => {
    expect(toolDoc('s', { name: 't', description: '' }, 'full')).toEqual({
      server: 's',
      tool: 't',
      inputSchema: { type: 'object' },
    });
  });
});
