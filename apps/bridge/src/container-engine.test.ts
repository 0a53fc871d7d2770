import { describe, expect, it } from 'vitest';
import { engineCandidates } from './container-engine.js';
import { resolveSettings } from './settings.js';

const settings = (env: Record<string, string>) =>
  resolveSettings({ home: '/home/u', cwd: '/work', env, flags: {} });

describe('engineCandidates', () => {
  it('leaves each CLI to its own variables and configuration when nothing is set', () => {
    expect(engineCandidates(settings({}))).toEqual([{ engine: 'podman' }, { engine: 'docker' }]);
  });

  it("gives an address as podman's --url and docker's --host", () => {
    const host = 'ssh://core@build-1/run/podman/podman.sock';
    expect(engineCandidates(settings({ MCP_BRIDGE_ENGINE_HOST: host }))).toEqual([
      { engine: 'podman', options: { globalArgs: ['--url', host] } },
      { engine: 'docker', options: { globalArgs: ['--host', host] } },
    ]);
  });

  it('gives a name as a podman connection and a docker context', () => {
    expect(engineCandidates(settings({ MCP_BRIDGE_ENGINE_CONNECTION: 'build-1' }))).toEqual([
      { engine: 'podman', options: { globalArgs: ['--connection', 'build-1'] } },
      { engine: 'docker', options: { globalArgs: ['--context', 'build-1'] } },
    ]);
  });
});

describe('the engine settings', () => {
  it.each([
    ['MCP_BRIDGE_ENGINE_HOST', 'build-1:2376', /expected an address such as/],
    ['MCP_BRIDGE_ENGINE_HOST', 'http://h', /expected an address such as/],
    ['MCP_BRIDGE_ENGINE_CONNECTION', 'two words', /name of a podman connection or docker context/],
  ])('refuse %s=%s', (variable, value, why) => {
    expect(() => settings({ [variable]: value })).toThrow(why);
  });

  it('refuse an address and a connection together: they both say where the engine is', () => {
    expect(() =>
      settings({ MCP_BRIDGE_ENGINE_HOST: 'tcp://h:2376', MCP_BRIDGE_ENGINE_CONNECTION: 'prod' }),
    ).toThrow(/MCP_BRIDGE_ENGINE_HOST and MCP_BRIDGE_ENGINE_CONNECTION both say where the engine is/);
  });
});
