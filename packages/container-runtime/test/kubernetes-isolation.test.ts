import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeStandIn, type KubeStandInOptions, startKubeStandIn } from '@codexec/kube-stand-in';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type ContainerRuntime,
  type ContainerSpec,
  containerLabels,
  createKubernetesRuntime,
  createPodmanRuntime,
  DEFAULT_LIMITS,
  type KubernetesRuntimeOptions,
  REQUIRED_ACCESS,
  SANDBOX_NETWORK_POLICY_NAME,
  sandboxNetworkPolicy,
} from '../src/index.js';
import { probeEngines, RUN_ID, readAll, requireEngine, TEST_IMAGE } from './engines.js';

// What the adapter does about the sandbox pods' network and its own permissions, against the stand-in of the API
// server: it reads the namespace's NetworkPolicies before its first pod, creates the deny-all one when none selects
// sandbox pods, refuses to start pods that would have a network, and `diagnose` says which permissions are missing.
// The stand-in answers SelfSubjectAccessReviews and refuses requests per the RBAC grants it is given.

const [podman] = await probeEngines([createPodmanRuntime()]);

const NAMESPACE = 'codexec-isolation';
const labels = { ...containerLabels(`kiso-${RUN_ID}`) };
let counter = 0;

function spec(code: string): ContainerSpec {
  counter += 1;
  return {
    image: TEST_IMAGE,
    name: `codexec-ki${RUN_ID}-${counter}`,
    labels,
    command: ['python3', '-u', '-c', code],
    limits: { ...DEFAULT_LIMITS },
  };
}

/** Every permission of the shipped Role, as grants of the stand-in. */
const ROLE: NonNullable<KubeStandInOptions['grants']> = [
  { resource: 'pods', verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { resource: 'pods/attach', verbs: ['create', 'get'] },
  { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['get', 'list', 'create', 'patch'] },
];

type NetworkPolicy = NonNullable<KubeStandInOptions['networkPolicies']>[number];

const ALLOW_DNS = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'allow-dns', namespace: NAMESPACE },
  spec: {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
  },
} as const satisfies NetworkPolicy;

describe('Kubernetes adapter: network isolation and permissions', () => {
  requireEngine(podman!);
  if (podman!.missing) return;
  const dir = mkdtempSync(join(tmpdir(), 'codexec-kube-iso-'));
  const open: KubeStandIn[] = [];

  async function cluster(
    options: KubeStandInOptions,
    runtimeOptions: KubernetesRuntimeOptions = {},
  ): Promise<{ standIn: KubeStandIn; runtime: ContainerRuntime }> {
    const standIn = await startKubeStandIn({ namespace: NAMESPACE, ...options });
    open.push(standIn);
    const kubeconfig = join(dir, `config-${open.length}`);
    await standIn.writeKubeconfig(kubeconfig);
    const runtime = createKubernetesRuntime({
      kubeconfig,
      imagePullPolicy: 'Never',
      startTimeoutMs: 60_000,
      ...runtimeOptions,
    });
    return { standIn, runtime };
  }

  /** Runs `print(…)` in a pod; its output and exit. */
  async function hello(runtime: ContainerRuntime) {
    const container = runtime.spawn(spec("import sys; sys.stdin.read(); print('isolated')"));
    container.stdin.end();
    const [out, exit] = await Promise.all([readAll(container.stdout), container.exited]);
    return { out: out.toString(), exit };
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ensure: with no policy, creates the deny-all one before the first pod, once', async () => {
    const { standIn, runtime } = await cluster({ grants: ROLE });
    expect(standIn.networkPolicies()).toEqual([]);
    const first = await hello(runtime);
    expect(first).toMatchObject({ out: 'isolated\n', exit: { code: 0 } });
    const policies = standIn.networkPolicies();
    expect(policies.map((p) => p.metadata?.name)).toEqual([SANDBOX_NETWORK_POLICY_NAME]);
    expect(policies[0]!.spec).toEqual(sandboxNetworkPolicy().spec);
    // The second pod finds it (and creates nothing: a second create would be refused as AlreadyExists).
    expect((await hello(runtime)).exit.code).toBe(0);
    expect(standIn.networkPolicies()).toHaveLength(1);
  }, 120_000);

  it('ensure: two bridges starting at once leave one policy and both run', async () => {
    const { standIn, runtime } = await cluster({ grants: ROLE });
    const kubeconfig = join(dir, 'second');
    await standIn.writeKubeconfig(kubeconfig);
    const other = createKubernetesRuntime({ kubeconfig, imagePullPolicy: 'Never', startTimeoutMs: 60_000 });
    const [a, b] = await Promise.all([hello(runtime), hello(other)]);
    expect([a.exit.code, b.exit.code]).toEqual([0, 0]);
    expect(standIn.networkPolicies()).toHaveLength(1);
  }, 120_000);

  it('ensure: a policy allowing DNS to every pod keeps pods from starting, naming it', async () => {
    const { standIn, runtime } = await cluster({ grants: ROLE, networkPolicies: [ALLOW_DNS] });
    const { exit } = await hello(runtime);
    expect(exit.error?.code).toBe('CONTAINER_START_FAILED');
    expect(exit.error?.message).toContain('would not be cut off from the network');
    expect(exit.error?.message).toContain('egress allowed by policy allow-dns');
    expect(exit.error?.message).toContain(standIn.url);
    // Nothing was started, and no policy was added beside the one that lets traffic through.
    expect(standIn.pods()).toEqual([]);
    expect(standIn.networkPolicies().map((p) => p.metadata?.name)).toEqual(['allow-dns']);
  }, 60_000);

  it('require: no policy means no pod, and the message says how to add one', async () => {
    const { standIn, runtime } = await cluster({ grants: ROLE }, { networkPolicy: 'require' });
    const { exit } = await hello(runtime);
    expect(exit.error?.code).toBe('CONTAINER_START_FAILED');
    expect(exit.error?.message).toContain('deploy/kubernetes/networkpolicy.yaml');
    expect(standIn.pods()).toEqual([]);
    expect(standIn.networkPolicies()).toEqual([]);
  }, 60_000);

  it('require: the shipped policy in place lets pods run', async () => {
    const shipped = {
      ...sandboxNetworkPolicy(),
      metadata: { name: 'from-the-manifest', namespace: NAMESPACE },
    };
    const { standIn, runtime } = await cluster(
      { grants: ROLE, networkPolicies: [shipped] },
      { networkPolicy: 'require' },
    );
    expect((await hello(runtime)).exit.code).toBe(0);
    expect(standIn.networkPolicies()).toHaveLength(1);
  }, 60_000);

  it('ensure without the right to create policies fails, with the API server’s refusal', async () => {
    const noPolicies = ROLE.filter((g) => g.resource !== 'networkpolicies').concat({
      group: 'networking.k8s.io',
      resource: 'networkpolicies',
      verbs: ['get', 'list'],
    });
    const { standIn, runtime } = await cluster({ grants: noPolicies });
    const { exit } = await hello(runtime);
    expect(exit.error?.code).toBe('CONTAINER_START_FAILED');
    expect(exit.error?.message).toContain(`creating ${SANDBOX_NETWORK_POLICY_NAME} failed`);
    expect(exit.error?.message).toMatch(/forbid|Forbidden/);
    expect(standIn.pods()).toEqual([]);
  }, 60_000);

  it('off: no policy is read or made, and pods run', async () => {
    const podsOnly = ROLE.filter((g) => g.resource !== 'networkpolicies');
    const { standIn, runtime } = await cluster({ grants: podsOnly }, { networkPolicy: 'off' });
    expect((await hello(runtime)).exit.code).toBe(0);
    expect(standIn.networkPolicies()).toEqual([]);
  }, 60_000);

  it('diagnose: everything granted and no policy yet says it will be created', async () => {
    const { runtime } = await cluster({ grants: ROLE });
    expect(await runtime.diagnose!()).toEqual([
      {
        name: 'permissions',
        status: 'ok',
        detail: `all ${REQUIRED_ACCESS.length} the bridge uses, in namespace ${NAMESPACE}`,
      },
      {
        name: 'network isolation',
        status: 'ok',
        detail: expect.stringContaining(`${SANDBOX_NETWORK_POLICY_NAME} is created before the first pod`),
      },
    ]);
  }, 60_000);

  it('diagnose: names each missing permission, and a policy that lets traffic in', async () => {
    const allowIn = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-monitoring', namespace: NAMESPACE },
      spec: { podSelector: { matchLabels: { 'codexec.managed': 'true' } }, ingress: [{}] },
    } as const satisfies NetworkPolicy;
    const { runtime } = await cluster({
      grants: [
        { resource: 'pods', verbs: ['create', 'get', 'list', 'delete'] },
        { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['list'] },
      ],
      networkPolicies: [allowIn, sandboxNetworkPolicy()],
    });
    const [permissions, isolation] = await runtime.diagnose!();
    expect(permissions).toMatchObject({ name: 'permissions', status: 'fail' });
    expect(permissions!.detail).toBe(
      `missing in namespace ${NAMESPACE}: create pods/attach (to attach to a pod's stdio), get pods/attach (to ` +
        "attach to a pod's stdio), create networkpolicies (to create the sandbox NetworkPolicy); optional, also " +
        'missing: watch pods (to see a pod start as soon as it runs; without it pod starts are polled, a few ' +
        'hundred ms slower each)',
    );
    expect(permissions!.fix).toContain('deploy/kubernetes/role.yaml');
    expect(isolation).toMatchObject({ name: 'network isolation', status: 'fail' });
    expect(isolation!.detail).toContain('ingress allowed by policy allow-monitoring');
    expect(isolation!.detail).toContain(`egress cut off (${SANDBOX_NETWORK_POLICY_NAME})`);
  }, 60_000);

  it('diagnose: off says the network is not checked, and asks for no policy permission', async () => {
    const { runtime } = await cluster({ grants: ROLE.slice(0, 2) }, { networkPolicy: 'off' });
    const [permissions, isolation] = await runtime.diagnose!();
    expect(permissions).toMatchObject({
      status: 'ok',
      detail: `all 7 the bridge uses, in namespace ${NAMESPACE}`,
    });
    expect(isolation).toMatchObject({ name: 'network isolation', status: 'warn' });
  }, 60_000);

  /** The requests about pod `name` (and the watches) from its create to its attach, as `verb[/subresource]`. */
  function untilAttach(standIn: KubeStandIn, name: string): string[] {
    const about = standIn
      .requests()
      .filter((r) => r.resource === 'pods' && (r.name === name || r.verb === 'watch' || r.verb === 'create'))
      .map((r) => (r.subresource ? `${r.verb}/${r.subresource}` : r.verb));
    return about.slice(0, about.indexOf('get/attach') + 1);
  }

  it('a pod starting is seen through a watch: no GET of the pod before the attach', async () => {
    const { standIn, runtime } = await cluster({ grants: ROLE }, { networkPolicy: 'off' });
    const container = runtime.spawn(spec("import sys; sys.stdin.read(); print('watched')"));
    container.stdin.end();
    const [out, exit] = await Promise.all([readAll(container.stdout), container.exited]);
    expect(out.toString()).toBe('watched\n');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(untilAttach(standIn, container.name)).toEqual(['create', 'watch', 'get/attach']);
  }, 60_000);

  it('without watch in the grants: doctor warns, and pods start by polling, the watch asked once', async () => {
    const grants = [
      { resource: 'pods', verbs: ['create', 'get', 'list', 'delete'] },
      { resource: 'pods/attach', verbs: ['create', 'get'] },
    ];
    const { standIn, runtime } = await cluster({ grants }, { networkPolicy: 'off' });
    const [permissions] = await runtime.diagnose!();
    expect(permissions).toMatchObject({
      name: 'permissions',
      status: 'warn',
      detail: expect.stringMatching(/^optional, missing in namespace .*: watch pods \(to see a pod start/),
    });
    for (const round of [1, 2]) {
      const { out, exit } = await hello(runtime);
      expect({ round, out, exit }).toEqual({ round, out: 'isolated\n', exit: { code: 0, signal: null } });
    }
    const verbs = standIn.requests().filter((r) => r.resource === 'pods' && r.subresource === '');
    expect(verbs.filter((r) => r.verb === 'watch')).toHaveLength(1);
    expect(verbs.filter((r) => r.verb === 'get').length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('a pod refused by RBAC is COMMAND_FAILED with the verbs the Role needs', async () => {
    const { runtime } = await cluster(
      { grants: [{ resource: 'pods', verbs: ['get', 'list', 'delete'] }] },
      { networkPolicy: 'off' },
    );
    const { exit } = await hello(runtime);
    expect(exit.error?.code).toBe('COMMAND_FAILED');
    expect(exit.error?.message).toContain('forbids this user to create pods');
    expect(exit.error?.message).toContain('pods/attach: create, get');
  }, 60_000);

  it('ownerPod: sandbox pods are owned by the bridge’s pod, and go when it goes', async () => {
    const { standIn, runtime } = await cluster({}, { networkPolicy: 'off' });
    // The "bridge's pod": any running pod of the namespace.
    const bridgePod = spec('import time; time.sleep(600)');
    const bridge = runtime.spawn(bridgePod);
    await expect.poll(() => bridge.clientRunning(), { timeout: 30_000 }).toBe(true);
    const kubeconfig = join(dir, 'owned');
    await standIn.writeKubeconfig(kubeconfig);
    const owned = createKubernetesRuntime({
      kubeconfig,
      imagePullPolicy: 'Never',
      networkPolicy: 'off',
      ownerPod: bridgePod.name,
    });
    expect(await owned.diagnose!()).toContainEqual({
      name: 'pod owner',
      status: 'ok',
      detail: `sandbox pods are owned by pod ${bridgePod.name}: the cluster deletes them when it goes`,
    });
    const sandboxPod = spec("import time; print('up', flush=True); time.sleep(600)");
    const sandbox = owned.spawn(sandboxPod);
    await new Promise((resolve) => sandbox.stdout.once('data', resolve));
    // The bridge's pod is deleted from outside (its process never removes its sandboxes).
    await runtime.remove(bridgePod.name);
    const exit = await sandbox.exited;
    expect(exit.code === 137 || exit.signal === 'SIGKILL').toBe(true);
    await expect
      .poll(() => standIn.pods().map((p) => p.name), { timeout: 30_000 })
      .not.toContain(sandboxPod.name);
    await bridge.exited;
  }, 120_000);

  it('ownerPod naming no pod: a warning, and pods run without an owner', async () => {
    const { standIn, runtime } = await cluster({}, { networkPolicy: 'off', ownerPod: 'no-such-bridge' });
    expect(await runtime.diagnose!()).toContainEqual(
      expect.objectContaining({ name: 'pod owner', status: 'warn' }),
    );
    // Had it been given the missing owner, the stand-in (as the garbage collector) would delete it at once.
    const { out, exit } = await hello(runtime);
    expect(out).toBe('isolated\n');
    expect(exit.code).toBe(0);
    await expect.poll(() => standIn.pods(), { timeout: 30_000 }).toEqual([]);
  }, 60_000);
});
