import { describe, expect, it } from 'vitest';
import { type Candidate, mergeServers } from './merge.js';
import type { McpServerConfig, Scope } from './server.js';

let order = 0;
function candidate(
  name: string,
  client: string,
  scope: Scope,
  enabled = true,
  clientRank = 0,
  command = 'x',
): Candidate {
  const server: McpServerConfig = {
    name,
    transport: { type: 'stdio', command, args: [], env: {} },
    enabled,
    source: { client, scope, file: `/${client}/${scope}.json`, path: ['mcpServers', name] },
  };
  return { server, order: order++, clientRank };
}

describe('mergeServers', () => {
  it('explicit beats local beats project beats user beats system, whatever the reading order', () => {
    const list = [
      candidate('a', 'c', 'system'),
      candidate('a', 'c', 'user'),
      candidate('a', 'c', 'project'),
      candidate('a', 'c', 'local'),
      candidate('a', 'c', 'explicit'),
    ];
    for (const input of [list, [...list].reverse()]) {
      const result = mergeServers(input);
      expect(result.servers.map((s) => s.source.scope)).toEqual(['explicit']);
      expect(result.shadowed.map((s) => [s.server.source.scope, s.shadowedBy.scope])).toEqual(
        expect.arrayContaining([
          ['local', 'explicit'],
          ['project', 'explicit'],
          ['user', 'explicit'],
          ['system', 'explicit'],
        ]),
      );
    }
  });

  it('within a scope the earlier location wins, and across clients the earlier client', () => {
    const first = candidate('a', 'one', 'user', true, 0, 'first');
    const second = candidate('a', 'one', 'user', true, 0, 'second');
    expect(mergeServers([second, first]).servers[0]!.transport).toMatchObject({ command: 'first' });
    const other = candidate('a', 'two', 'user', true, 1, 'other');
    const ranked = mergeServers([other, first]);
    expect(ranked.servers[0]!.source.client).toBe('one');
  });

  it('a disabled entry wins inside its client but loses to another client enabled one', () => {
    const projectOff = candidate('gh', 'cursor', 'project', false, 1);
    const userOn = candidate('gh', 'cursor', 'user', true, 1);
    const inClient = mergeServers([projectOff, userOn]);
    expect(inClient.servers).toMatchObject([{ enabled: false, source: { scope: 'project' } }]);

    const otherClient = candidate('gh', 'claude-code', 'user', true, 0);
    const across = mergeServers([projectOff, userOn, otherClient]);
    expect(across.servers).toMatchObject([{ enabled: true, source: { client: 'claude-code' } }]);
    expect(
      across.shadowed.map((s) => [s.server.source.client, s.server.source.scope, s.shadowedBy.client]),
    ).toEqual([
      ['cursor', 'project', 'claude-code'],
      ['cursor', 'user', 'claude-code'],
    ]);
  });

  it('sorts winners by name in code-point order', () => {
    const result = mergeServers([
      candidate('b', 'c', 'user'),
      candidate('B', 'c', 'user'),
      candidate('a', 'c', 'user'),
    ]);
    expect(result.servers.map((s) => s.name)).toEqual(['B', 'a', 'b']);
  });
});
