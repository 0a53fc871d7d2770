import { describe, expect, it } from 'vitest';
import { engineCandidates } from './container-engine.js';
import { resolveSettings } from './settings.js';

const settings = (env: Record<string, string>) =>
  resolveSettings({ home: '/home/u', cwd: '/work', env, flags: {} });

describe('engineCandidates', () => {
  it('leaves each CLI to its own variables and configuration when nothing is set', () => {
    expect(engineCandidates(settings({})).slice(0, 2)).toEqual([{ engine: 'podman' }, { engine: 'docker' }]);
  });

  it("gives an address as podman's --url and docker's --host", () => {
    const host = 'ssh://core@build-1/run/podman/podman.sock';
    expect(engineCandidates(settings({ MCP_BRIDGE_ENGINE_HOST: host })).slice(0, 2)).toEqual([
      { engine: 'podman', options: { globalArgs: ['--url', host] } },
      { engine: 'docker', options: { globalArgs: ['--host', host] } },
    ]);
  });

  it('gives a name as a podman connection and a docker context', () => {
    expect(engineCandidates(settings({ MCP_BRIDGE_ENGINE_CONNECTION: 'build-1' })).slice(0, 2)).toEqual([
      { engine: 'podman', options: { globalArgs: ['--connection', 'build-1'] } },
      { engine: 'docker', options: { globalArgs: ['--context', 'build-1'] } },
    ]);
  });
});

describe('the Kubernetes candidate', () => {
  it('carries the defaults: the kubeconfig decides, IfNotPresent, the NetworkPolicy ensured', () => {
    expect(engineCandidates(settings({}))[2]).toEqual({
      engine: 'kubernetes',
      kubernetes: {
        namespace: undefined,
        kubeconfig: undefined,
        context: undefined,
        runtimeClassName: undefined,
        imagePullPolicy: 'IfNotPresent',
        networkPolicy: 'ensure',
        ownerPod: undefined,
      },
    });
  });

  it('carries every Kubernetes setting to the adapter', () => {
    const chosen = settings({
      MCP_BRIDGE_RUNTIME: 'kubernetes',
      MCP_BRIDGE_KUBE_NAMESPACE: 'sandboxes',
      MCP_BRIDGE_KUBECONFIG: '/etc/bridge/kubeconfig',
      MCP_BRIDGE_KUBE_CONTEXT: 'prod-east',
      MCP_BRIDGE_KUBE_RUNTIME_CLASS: 'gvisor',
      MCP_BRIDGE_KUBE_PULL_POLICY: 'always',
      MCP_BRIDGE_KUBE_NETWORK_POLICY: 'Require',
      MCP_BRIDGE_KUBE_OWNER_POD: 'code-exec-bridge-5f7d9-abcde',
    });
    expect(engineCandidates(chosen)[2]).toEqual({
      engine: 'kubernetes',
      kubernetes: {
        namespace: 'sandboxes',
        kubeconfig: '/etc/bridge/kubeconfig',
        context: 'prod-east',
        runtimeClassName: 'gvisor',
        imagePullPolicy: 'Always',
        networkPolicy: 'require',
        ownerPod: 'code-exec-bridge-5f7d9-abcde',
      },
    });
  });

  it.each([
    ['MCP_BRIDGE_KUBE_NAMESPACE', 'Sandboxes', /expected a namespace name/],
    ['MCP_BRIDGE_KUBE_NAMESPACE', 'a'.repeat(64), /expected a namespace name/],
    ['MCP_BRIDGE_KUBE_RUNTIME_CLASS', 'g_visor', /expected a RuntimeClass name/],
    ['MCP_BRIDGE_KUBE_RUNTIME_CLASS', 'gvisor..x', /expected a RuntimeClass name/],
    ['MCP_BRIDGE_KUBE_OWNER_POD', 'bridge-', /expected the name of a pod/],
    ['MCP_BRIDGE_KUBE_PULL_POLICY', 'sometimes', /expected Always, IfNotPresent or Never/],
    ['MCP_BRIDGE_KUBE_NETWORK_POLICY', 'create', /expected one of ensure, require, off/],
    ['MCP_BRIDGE_KUBE_CONTEXT', '  ', /expected the name of a kubeconfig context/],
  ])('refuses %s=%s', (variable, value, why) => {
    expect(() => settings({ MCP_BRIDGE_RUNTIME: 'kubernetes', [variable]: value })).toThrow(why);
  });

  it('refuses Kubernetes settings with another runtime, naming each', () => {
    expect(() => settings({ MCP_BRIDGE_KUBE_NAMESPACE: 'sandboxes' })).toThrow(
      'MCP_BRIDGE_KUBE_NAMESPACE applies to Kubernetes only, and MCP_BRIDGE_RUNTIME is auto; set it to kubernetes, or unset it.',
    );
    expect(() =>
      settings({
        MCP_BRIDGE_RUNTIME: 'podman',
        MCP_BRIDGE_KUBE_CONTEXT: 'x',
        MCP_BRIDGE_KUBE_NETWORK_POLICY: 'off',
      }),
    ).toThrow(/MCP_BRIDGE_KUBE_CONTEXT, MCP_BRIDGE_KUBE_NETWORK_POLICY apply to Kubernetes only/);
    // The defaults, said out loud, are not a choice of Kubernetes.
    expect(() => settings({ MCP_BRIDGE_KUBE_PULL_POLICY: 'IfNotPresent' })).not.toThrow();
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
