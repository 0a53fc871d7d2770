import { readdirSync, readFileSync } from 'node:fs';
import { LABEL_MANAGED } from '@codexec/container-runtime';
import { unknownFields } from '@codexec/test-support';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import {
  type IIngress,
  type INetworkPolicy,
  Ingress,
  NetworkPolicy,
} from 'kubernetes-models/networking.k8s.io/v1';
import {
  type IRole,
  type IRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  type INamespace,
  type IPersistentVolumeClaim,
  type ISecret,
  type IService,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_HTTP_MAX_BODY_BYTES } from '../src/settings.js';
import { SETTINGS } from '../src/settings-table.js';

// The manifests in deploy/kubernetes are read as kubectl reads them, and checked against the official schemas of
// their kinds, beside what the bridge and its sandboxes rely on: the namespace, the Role's limits, the
// NetworkPolicy that cuts sandbox pods off, and the Secret that holds the token. The overlay in replicas/ is built
// as kustomize builds it (its resources, then its JSON patches), and the result is checked the same way.

const DIR = new URL('../../../deploy/kubernetes/', import.meta.url);
const KUSTOMIZATION = 'kustomization.yaml';
const SECRET_TEMPLATE = 'secret.example.yaml';

type Model = new (data: never) => { validate(): void };

/** The official schema of each kind the manifests may hold, by `apiVersion/kind`. */
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
};

/** Validates a manifest against the official schema of its kind, and finds the fields that schema does not know. */
function checkSchema(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  expect(Model, `no schema for ${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
  const validate = (data: unknown) => new Model!(data as never).validate();
  expect(() => validate(manifest)).not.toThrow();
  expect(unknownFields(manifest, validate)).toEqual([]);
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

const files = readdirSync(DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();

/** Every document of a file. YAML 1.1, as kubectl's parser reads it (`yes` and `on` are booleans there). */
function documents(file: string, dir: URL = DIR): unknown[] {
  return parseAllDocuments(readFileSync(new URL(file, dir), 'utf8'), { version: '1.1' }).map((doc) => {
    expect(doc.errors, file).toEqual([]);
    return doc.toJS() as unknown;
  });
}

const manifests: { file: string; manifest: Manifest }[] = files
  .filter((file) => file !== KUSTOMIZATION)
  .flatMap((file) => documents(file).map((manifest) => ({ file, manifest: manifest as Manifest })));

/** The one manifest of a kind (the test fails when there are more or none). */
function only<T>(kind: string): T {
  const found = manifests.filter(({ manifest }) => manifest.kind === kind);
  expect(
    found.map(({ file }) => file),
    kind,
  ).toHaveLength(1);
  return found[0]!.manifest as unknown as T;
}

const kustomization = documents(KUSTOMIZATION)[0] as {
  apiVersion: string;
  kind: string;
  namespace: string;
  resources: string[];
};

describe('deploy/kubernetes: the official schemas', () => {
  it('holds the manifests and the kustomization', () => {
    expect(files).toEqual(
      [
        KUSTOMIZATION,
        'deployment.yaml',
        'namespace.yaml',
        'networkpolicy.yaml',
        'role.yaml',
        'rolebinding.yaml',
        SECRET_TEMPLATE,
        'service.yaml',
        'serviceaccount.yaml',
      ].sort(),
    );
  });

  it.each(manifests.map(({ file, manifest }) => [`${file}: ${manifest.kind}`, manifest] as const))(
    '%s is valid, with no field its schema does not know',
    (_name, manifest) => checkSchema(manifest),
  );
});

describe('deploy/kubernetes: kustomization', () => {
  it('lists exactly the manifests, without the secret template', () => {
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    expect(Object.keys(kustomization).sort()).toEqual(['apiVersion', 'kind', 'namespace', 'resources']);
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((file) => file !== KUSTOMIZATION && file !== SECRET_TEMPLATE),
    );
    expect(new Set(kustomization.resources).size).toBe(kustomization.resources.length);
  });

  it('puts everything in one namespace, the one it creates', () => {
    expect(kustomization.namespace).toBe('code-exec');
    expect(only<INamespace>('Namespace').metadata?.name).toBe(kustomization.namespace);
    for (const { file, manifest } of manifests) {
      // Those that name their namespace (the secret template is applied without kustomize) name the same.
      if (manifest.metadata.namespace !== undefined)
        expect(manifest.metadata.namespace, file).toBe(kustomization.namespace);
    }
    const binding = only<IRoleBinding>('RoleBinding');
    expect(binding.subjects?.map((subject) => subject.namespace)).toEqual([kustomization.namespace]);
  });

  it('enforces the restricted Pod Security Standard in the namespace', () => {
    expect(only<INamespace>('Namespace').metadata?.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });
});

describe('deploy/kubernetes: what the bridge may do', () => {
  const role = only<IRole>('Role');

  it('grants the Role exactly pods, pods/attach and networkpolicies, with the listed verbs', () => {
    const granted = new Set<string>();
    for (const rule of role.rules ?? []) {
      expect(rule).not.toHaveProperty('resourceNames');
      expect(rule).not.toHaveProperty('nonResourceURLs');
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs) granted.add(`${group}/${resource}:${verb}`);
    }
    expect([...granted].sort()).toEqual(
      [
        '/pods:create',
        '/pods:get',
        '/pods:list',
        '/pods:watch',
        '/pods:delete',
        '/pods/attach:create',
        '/pods/attach:get',
        'networking.k8s.io/networkpolicies:get',
        'networking.k8s.io/networkpolicies:list',
        'networking.k8s.io/networkpolicies:create',
        'networking.k8s.io/networkpolicies:patch',
      ].sort(),
    );
  });

  it('binds the Role to the service account the Deployment runs as', () => {
    const binding = only<IRoleBinding>('RoleBinding');
    const deployment = only<IDeployment>('Deployment');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: role.metadata?.name,
    });
    expect(binding.subjects?.map(({ kind, name }) => ({ kind, name }))).toEqual([
      { kind: 'ServiceAccount', name: deployment.spec?.template.spec?.serviceAccountName },
    ]);
    expect(only<{ metadata: { name: string } }>('ServiceAccount').metadata.name).toBe(
      deployment.spec?.template.spec?.serviceAccountName,
    );
  });
});

describe('deploy/kubernetes: sandbox pods get no network', () => {
  it('selects the managed label for both directions and allows nothing', () => {
    const policy = only<INetworkPolicy>('NetworkPolicy');
    expect(policy.spec?.podSelector).toEqual({ matchLabels: { [LABEL_MANAGED]: 'true' } });
    expect([...(policy.spec?.policyTypes ?? [])].sort()).toEqual(['Egress', 'Ingress']);
    expect(policy.spec?.ingress ?? []).toEqual([]);
    expect(policy.spec?.egress ?? []).toEqual([]);
  });
});

describe('deploy/kubernetes: the bridge', () => {
  const deployment = only<IDeployment>('Deployment');
  const pod = deployment.spec!.template.spec!;
  const containers = pod.containers;
  const bridge = containers[0]!;
  const env = new Map((bridge.env ?? []).map((variable) => [variable.name, variable]));

  it('runs one bridge container serving HTTP on 8931 from an image the user builds', () => {
    expect(containers).toHaveLength(1);
    expect(deployment.spec?.replicas).toBe(1);
    expect(bridge.image).toBe('code-exec-bridge:latest');
    expect(bridge.args).toEqual(['--http', '--host', '0.0.0.0', '--port', '8931']);
    expect(bridge.ports).toEqual([{ name: 'http', containerPort: 8931, protocol: 'TCP' }]);
    expect(env.get('MCP_BRIDGE_RUNTIME')?.value).toBe('kubernetes');
  });

  it('makes its own pod the owner of its sandbox pods, by the name the downward API gives', () => {
    const names = [...env.keys()];
    expect(env.get('POD_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(env.get('MCP_BRIDGE_KUBE_OWNER_POD')?.value).toBe('$(POD_NAME)');
    // Kubernetes expands $(POD_NAME) only from a variable defined before it.
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('MCP_BRIDGE_KUBE_OWNER_POD'));
  });

  it('takes the token from the Secret, never as a literal', () => {
    const secret = only<ISecret>('Secret');
    const token = env.get('MCP_BRIDGE_HTTP_TOKEN');
    expect(token).not.toHaveProperty('value');
    expect(token?.valueFrom).toEqual({
      secretKeyRef: { name: secret.metadata?.name, key: expect.any(String) },
    });
    const key = token!.valueFrom!.secretKeyRef!.key;
    expect(Object.keys(secret.stringData ?? {})).toEqual([key]);
    expect(bridge.envFrom).toBeUndefined();
  });

  it('names only variables and flags the bridge has (and POD_NAME, which they use)', () => {
    const variables = new Set(SETTINGS.flatMap((setting) => (setting.env ? [setting.env] : [])));
    for (const name of env.keys()) if (name !== 'POD_NAME') expect(variables, name).toContain(name);
    const flags = new Set(SETTINGS.flatMap((setting) => (setting.flag ? [`--${setting.flag}`] : [])));
    for (const arg of bridge.args ?? []) if (arg.startsWith('--')) expect(flags, arg).toContain(arg);
  });

  it('runs as non-root with the hardening of the sandboxes where it applies', () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.hostIPC ?? false).toBe(false);
    expect(bridge.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('writes only to size-capped emptyDirs: /tmp and the state directory', () => {
    const stateDir = env.get('MCP_BRIDGE_STATE_DIR')?.value;
    expect(stateDir).toBeDefined();
    const mounts = new Map((bridge.volumeMounts ?? []).map((mount) => [mount.mountPath, mount.name]));
    expect([...mounts.keys()].sort()).toEqual(['/tmp', stateDir].sort());
    for (const volume of pod.volumes ?? []) {
      expect(volume.emptyDir?.sizeLimit, volume.name).toBeDefined();
      expect(Object.keys(volume).sort(), volume.name).toEqual(['emptyDir', 'name']);
    }
    expect((pod.volumes ?? []).map((volume) => volume.name).sort()).toEqual([...mounts.values()].sort());
  });

  it('caps its memory', () => {
    expect(bridge.resources?.limits?.memory).toBeDefined();
    expect(bridge.resources?.requests?.memory).toBeDefined();
  });

  it('probes no HTTP path (the bridge has no health endpoint); ready once its port accepts connections', () => {
    expect(bridge.livenessProbe).toBeUndefined();
    expect(bridge.startupProbe).toBeUndefined();
    expect(bridge.readinessProbe?.httpGet).toBeUndefined();
    expect(bridge.readinessProbe?.tcpSocket).toEqual({ port: 'http' });
  });

  it('is reached through a ClusterIP Service on 8931', () => {
    const service = only<IService>('Service');
    expect(service.spec?.type).toBe('ClusterIP');
    expect(service.spec?.selector).toEqual(deployment.spec?.template.metadata?.labels);
    expect(deployment.spec?.selector.matchLabels).toEqual(deployment.spec?.template.metadata?.labels);
    expect(service.spec?.ports).toEqual([{ name: 'http', port: 8931, targetPort: 'http', protocol: 'TCP' }]);
  });
});

// The overlay for several replicas, built as `kubectl apply -k deploy/kubernetes/replicas` builds it: the base's
// resources and its own, in the overlay's namespace, then each JSON patch (RFC 6902) applied to its target.

const OVERLAY = new URL('replicas/', DIR);

interface Overlay {
  apiVersion: string;
  kind: string;
  namespace: string;
  resources: string[];
  patches: { path: string; target: { group?: string; version: string; kind: string; name: string } }[];
}

type PatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** Applies a JSON patch to a copy of `document`; throws where kustomize would refuse to build. */
function applyJsonPatch<T>(document: T, operations: PatchOperation[]): T {
  const root = structuredClone(document) as unknown;
  for (const operation of operations) {
    const tokens = operation.path
      .split('/')
      .slice(1)
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop();
    if (last === undefined) throw new Error(`cannot patch the whole document (${operation.path})`);
    let parent = root as Record<string, unknown>;
    for (const token of tokens) {
      const next = parent[token];
      if (typeof next !== 'object' || next === null) throw new Error(`${operation.path}: no ${token}`);
      parent = next as Record<string, unknown>;
    }
    const list = Array.isArray(parent) ? (parent as unknown[]) : undefined;
    const index = list ? (last === '-' ? list.length : Number(last)) : -1;
    const exists = list ? index < list.length : Object.hasOwn(parent, last);
    switch (operation.op) {
      case 'test':
        expect(parent[last], `test ${operation.path}`).toEqual(operation.value);
        break;
      case 'add':
        if (list) list.splice(index, 0, operation.value);
        else parent[last] = operation.value;
        break;
      case 'replace':
        if (!exists) throw new Error(`${operation.path}: nothing to replace`);
        if (list) list[index] = operation.value;
        else parent[last] = operation.value;
        break;
      case 'remove':
        if (!exists) throw new Error(`${operation.path}: nothing to remove`);
        if (list) list.splice(index, 1);
        else delete parent[last];
        break;
    }
  }
  return root as T;
}

const overlay = documents(KUSTOMIZATION, OVERLAY)[0] as Overlay;
const overlayFiles = readdirSync(OVERLAY).sort();

/** What the overlay builds: every manifest, patched, in its namespace. */
const built: { file: string; manifest: Manifest }[] = overlay.resources
  .flatMap((resource) =>
    resource === '..'
      ? kustomization.resources.flatMap((file) => documents(file).map((manifest) => ({ file, manifest })))
      : documents(resource, OVERLAY).map((manifest) => ({ file: `replicas/${resource}`, manifest })),
  )
  .map(({ file, manifest }) => {
    let patched = manifest as Manifest;
    for (const { path, target } of overlay.patches) {
      const apiVersion = target.group ? `${target.group}/${target.version}` : target.version;
      if (patched.apiVersion !== apiVersion || patched.kind !== target.kind) continue;
      if (patched.metadata.name !== target.name) continue;
      patched = applyJsonPatch(patched, documents(path, OVERLAY)[0] as PatchOperation[]);
    }
    return {
      file,
      manifest: { ...patched, metadata: { ...patched.metadata, namespace: overlay.namespace } },
    };
  });

/** The one built manifest of a kind. */
function builtOnly<T>(kind: string): T {
  const found = built.filter(({ manifest }) => manifest.kind === kind);
  expect(
    found.map(({ file }) => file),
    kind,
  ).toHaveLength(1);
  return found[0]!.manifest as unknown as T;
}

describe('deploy/kubernetes/replicas: the overlay for several replicas', () => {
  const deployment = builtOnly<IDeployment>('Deployment');
  const pod = deployment.spec!.template.spec!;
  const bridge = pod.containers[0]!;
  const env = bridge.env ?? [];
  const stateDir = env.find((variable) => variable.name === 'MCP_BRIDGE_STATE_DIR')?.value;

  it('is a kustomization of the base, in its namespace, with its own files and patches', () => {
    expect(overlay.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(overlay.kind).toBe('Kustomization');
    expect(overlay.namespace).toBe(kustomization.namespace);
    expect(overlay.resources[0]).toBe('..');
    const own = [...overlay.resources.slice(1), ...overlay.patches.map((patch) => patch.path)];
    expect(overlayFiles).toEqual([KUSTOMIZATION, ...own].sort());
    for (const { target } of overlay.patches) {
      expect(
        built.some(({ manifest }) => manifest.kind === target.kind && manifest.metadata.name === target.name),
        `${target.kind} ${target.name}`,
      ).toBe(true);
    }
  });

  it.each(built.map(({ file, manifest }) => [`${file}: ${manifest.kind}`, manifest] as const))(
    'builds %s valid against its schema, with no field it does not know',
    (_name, manifest) => checkSchema(manifest),
  );

  it('runs three replicas, and changes nothing else of the bridge container but its environment', () => {
    expect(deployment.spec?.replicas).toBe(3);
    const base = only<IDeployment>('Deployment').spec!.template.spec!.containers[0]!;
    expect({ ...bridge, env: undefined }).toEqual({ ...base, env: undefined });
    expect(env.slice(0, base.env!.length)).toEqual(base.env);
  });

  it('mounts one ReadWriteMany claim at MCP_BRIDGE_STATE_DIR in every replica, instead of an emptyDir', () => {
    const claim = builtOnly<IPersistentVolumeClaim>('PersistentVolumeClaim');
    expect(claim.spec?.accessModes).toEqual(['ReadWriteMany']);
    expect(claim.spec?.resources?.requests?.storage).toBeDefined();
    expect(stateDir).toBeDefined();
    const mount = bridge.volumeMounts?.find((m) => m.mountPath === stateDir);
    expect(mount).toBeDefined();
    expect(mount?.readOnly ?? false).toBe(false);
    const volume = pod.volumes?.find((v) => v.name === mount?.name);
    expect(volume).toEqual({ name: mount?.name, persistentVolumeClaim: { claimName: claim.metadata?.name } });
    // /tmp stays each pod's own.
    const tmp = pod.volumes?.find(
      (v) => v.name === bridge.volumeMounts?.find((m) => m.mountPath === '/tmp')?.name,
    );
    expect(tmp?.emptyDir?.sizeLimit).toBeDefined();
  });

  it('gives each pod its own audit trail in the shared directory, named by the pod', () => {
    const names = env.map((variable) => variable.name);
    const audit = env.find((variable) => variable.name === 'MCP_BRIDGE_AUDIT_LOG');
    expect(audit?.value).toBe(`${stateDir}/audit/$(POD_NAME).jsonl`);
    // Kubernetes expands $(POD_NAME) only from a variable defined before it.
    expect(names.indexOf('POD_NAME')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('MCP_BRIDGE_AUDIT_LOG'));
    expect(env.find((variable) => variable.name === 'POD_NAME')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
    const variables = new Set(SETTINGS.flatMap((setting) => (setting.env ? [setting.env] : [])));
    for (const name of names) if (name !== 'POD_NAME') expect(variables, name).toContain(name);
  });

  it('routes every request of a client to one replica, initialize included: by its address, not the session header', () => {
    const ingress = builtOnly<IIngress>('Ingress');
    const annotations = ingress.metadata?.annotations ?? {};
    // The first request (initialize) carries no Mcp-Session-Id: a hash of that header would send every initialize
    // to one replica and the requests after it to another.
    expect(annotations['nginx.ingress.kubernetes.io/upstream-hash-by']).toBe('$remote_addr');
    expect(Object.values(annotations).join(' ')).not.toMatch(/mcp_session_id/i);
    expect(ingress.spec?.ingressClassName).toBe('nginx');
    const service = builtOnly<IService>('Service');
    expect(service.spec?.sessionAffinity).toBe('ClientIP');
    const paths = ingress.spec?.rules?.flatMap((rule) => rule.http?.paths ?? []) ?? [];
    expect(paths).toEqual([
      {
        path: '/mcp',
        pathType: 'Exact',
        backend: {
          service: { name: service.metadata?.name, port: { name: service.spec?.ports?.[0]?.name } },
        },
      },
    ]);
    expect(ingress.spec?.tls?.[0]?.hosts).toEqual(ingress.spec?.rules?.map((rule) => rule.host));
  });

  it('lets through the bodies the bridge takes, and streams that stay open', () => {
    const annotations = builtOnly<IIngress>('Ingress').metadata?.annotations ?? {};
    expect(annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe(
      `${DEFAULT_HTTP_MAX_BODY_BYTES / (1024 * 1024)}m`,
    );
    expect(annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(600);
  });
});
