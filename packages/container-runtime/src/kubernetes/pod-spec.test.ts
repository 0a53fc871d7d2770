import { unknownFields } from '@codexec/test-support';
import { type IPod, Pod as PodModel } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { ContainerRuntimeError } from '../errors.js';
import { CONTAINER_WORKDIR, containerLabels, LABEL_INSTANCE, LABEL_MANAGED } from '../hardened-args.js';
import type { ContainerLimits, ContainerSpec } from '../runtime.js';
import { DEFAULT_LIMITS } from '../settings.js';
import {
  buildPod,
  type KubernetesPodOptions,
  type Pod,
  SANDBOX_CONTAINER,
  UNENFORCED_POD_LIMITS,
} from './pod-spec.js';

const IMAGE = 'localhost/codexec-python:bookworm';
const NAMESPACE = 'code-exec';
const MI = 2 ** 20;
const GI = 2 ** 30;

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: IMAGE,
    name: 'codexec-run1',
    labels: containerLabels('bridge-a'),
    command: ['python3', '-u', '-c', 'print(1)'],
    limits: { ...DEFAULT_LIMITS },
    ...overrides,
  };
}

function build(overrides: Partial<ContainerSpec> = {}, options: Partial<KubernetesPodOptions> = {}): Pod {
  return buildPod(spec(overrides), { namespace: NAMESPACE, ...options });
}

function withLimits(limits: Partial<ContainerLimits>, options: Partial<KubernetesPodOptions> = {}): Pod {
  return build({ limits: { ...DEFAULT_LIMITS, ...limits } }, options);
}

function container(pod: Pod) {
  expect(pod.spec.containers).toHaveLength(1);
  return pod.spec.containers[0]!;
}

/** The official schema's verdict: throws a ValidationError listing what is wrong. */
function validateOfficially(data: unknown): void {
  new PodModel(data as IPod).validate();
}

function thrown(fn: () => unknown): ContainerRuntimeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContainerRuntimeError) return error;
    throw error;
  }
  throw new Error('expected a ContainerRuntimeError');
}

/** Bytes of a Kubernetes memory quantity with a binary suffix or none (all these tests expect). */
function quantityBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`not a whole binary quantity: ${quantity}`);
  const unit = { Ki: 2 ** 10, Mi: MI, Gi: GI }[match[2] as 'Ki' | 'Mi' | 'Gi'] ?? 1;
  return Number(match[1]) * unit;
}

/**
 * Kubernetes' expansion of `$(NAME)` in commands and variable values, as its API reference describes it: `$$` is
 * one `$`, `$(NAME)` of a defined variable is its value, anything else stays as written.
 */
function expand(text: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char !== '$' || i + 1 === text.length) {
      out += char;
    } else if (text[i + 1] === '$') {
      out += '$';
      i += 1;
    } else if (text[i + 1] === '(') {
      const end = text.indexOf(')', i + 2);
      const name = end === -1 ? undefined : text.slice(i + 2, end);
      if (name !== undefined && name in vars) {
        out += vars[name];
        i = end;
      } else {
        out += char;
      }
    } else {
      out += char;
    }
  }
  return out;
}

describe('buildPod: the official v1 Pod schema', () => {
  const variants: [string, Pod][] = [
    ['the defaults', build()],
    ['cpus and larger sizes', withLimits({ cpus: '1.5', memory: '1536m', workspaceSize: '1g' })],
    ['a working directory in /tmp', build({ workdir: '/tmp' })],
    ['a RuntimeClass and extra labels', build({}, { runtimeClassName: 'gvisor', labels: { team: 'a' } })],
    ['variables', build({ env: { PYTHONHASHSEED: '0', EMPTY: '' } })],
    [
      'an owner pod',
      build(
        {},
        { owner: { name: 'code-exec-bridge-7d9f-x2x', uid: '0b8f2c2e-5d1a-4c1e-9a4e-2f8c1d3b6a70' } },
      ),
    ],
  ];

  it.each(variants)('%s: valid, with no field the schema does not know', (_name, pod) => {
    expect(() => validateOfficially(pod)).not.toThrow();
    expect(unknownFields(pod, validateOfficially)).toEqual([]);
  });

  it('an owner is an ownerReference to a pod, neither controller nor blocking its deletion', () => {
    const uid = '0b8f2c2e-5d1a-4c1e-9a4e-2f8c1d3b6a70';
    expect(build({}, { owner: { name: 'bridge-0', uid } }).metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Pod', name: 'bridge-0', uid },
    ]);
    expect(build().metadata.ownerReferences).toBeUndefined();
    expect(() => build({}, { owner: { name: 'Bridge', uid } })).toThrow(/options\.owner\.name/);
    expect(() => build({}, { owner: { name: 'bridge-0', uid: 'x' } })).toThrow(/options\.owner\.uid/);
  });

  it('the check has teeth: a misspelt or mistyped hardening field is caught', () => {
    const pod = structuredClone(build()) as unknown as {
      spec: { containers: Record<string, unknown>[]; securityContext: Record<string, unknown> };
    };
    const securityContext = pod.spec.containers[0]!.securityContext as Record<string, unknown>;
    securityContext.readOnlyRootFileSystem = securityContext.readOnlyRootFilesystem;
    delete securityContext.readOnlyRootFilesystem;
    expect(unknownFields(pod, validateOfficially)).toEqual([
      '/spec/containers/0/securityContext/readOnlyRootFileSystem',
    ]);
    pod.spec.securityContext.runAsUser = '65534';
    expect(() => validateOfficially(pod)).toThrow(/runAsUser/);
  });

  it('its type fits the official type', () => {
    // Checked by the compiler: `Pod` must be assignable to kubernetes-models' own `IPod`.
    const official: IPod = build();
    expect(official.kind).toBe('Pod');
  });
});

describe('buildPod: the hardening, field by field', () => {
  const pod = build();

  it('names and labels the pod in its namespace, always as managed', () => {
    expect(pod.apiVersion).toBe('v1');
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata).toEqual({
      name: 'codexec-run1',
      namespace: NAMESPACE,
      labels: { [LABEL_INSTANCE]: 'bridge-a', [LABEL_MANAGED]: 'true' },
    });
  });

  it('adds the option labels under the spec labels, and no label can unmark the pod as managed', () => {
    const labels = build(
      { labels: { [LABEL_INSTANCE]: 'from-spec', [LABEL_MANAGED]: 'false' } },
      { labels: { [LABEL_INSTANCE]: 'from-options', 'app.kubernetes.io/part-of': 'code-exec-bridge' } },
    ).metadata.labels;
    expect(labels).toEqual({
      [LABEL_INSTANCE]: 'from-spec',
      'app.kubernetes.io/part-of': 'code-exec-bridge',
      [LABEL_MANAGED]: 'true',
    });
  });

  it('never restarts, has no token, no service links, none of the host namespaces, and dies at once', () => {
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      shareProcessNamespace: false,
      terminationGracePeriodSeconds: 0,
    });
    expect(pod.spec).not.toHaveProperty('runtimeClassName');
    expect(pod.spec).not.toHaveProperty('serviceAccountName');
    expect(pod.spec).not.toHaveProperty('nodeName');
  });

  it('runs the pod as the limits user, never root, with the default seccomp profile', () => {
    expect(pod.spec.securityContext).toEqual({
      runAsUser: 65534,
      runAsGroup: 65534,
      runAsNonRoot: true,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(withLimits({ user: '1000:2000' }).spec.securityContext).toMatchObject({
      runAsUser: 1000,
      runAsGroup: 2000,
      fsGroup: 2000,
    });
  });

  it('has one container: the image, the command, attached stdin without a terminal', () => {
    const c = container(pod);
    expect(c).toMatchObject({
      name: SANDBOX_CONTAINER,
      image: IMAGE,
      imagePullPolicy: 'IfNotPresent',
      command: ['python3', '-u', '-c', 'print(1)'],
      workingDir: CONTAINER_WORKDIR,
      stdin: true,
      stdinOnce: true,
      tty: false,
    });
    expect(c).not.toHaveProperty('args');
    expect(c).not.toHaveProperty('ports');
    expect(c).not.toHaveProperty('envFrom');
  });

  it('locks the container down: read-only root, no privilege, no capabilities, non-root, seccomp', () => {
    expect(container(pod).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('passes exactly spec.env, as name/value pairs', () => {
    expect(container(pod).env).toEqual([]);
    const env = container(build({ env: { PYTHONHASHSEED: '0', EMPTY: '', WITH_EQ: 'a=b c' } })).env;
    expect(env).toEqual([
      { name: 'PYTHONHASHSEED', value: '0' },
      { name: 'EMPTY', value: '' },
      { name: 'WITH_EQ', value: 'a=b c' },
    ]);
  });

  it('mounts memory-backed, size-capped volumes at /tmp and the working directory, and nothing else', () => {
    expect(pod.spec.volumes).toEqual([
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'workspace', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ]);
    expect(container(pod).volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'workspace', mountPath: CONTAINER_WORKDIR },
    ]);
  });

  it('follows another working directory with its volume, and needs only one when it is /tmp', () => {
    const work = build({ workdir: '/work' });
    expect(container(work).workingDir).toBe('/work');
    expect(container(work).volumeMounts.map((m) => m.mountPath)).toEqual(['/tmp', '/work']);
    const inTmp = build({ workdir: '/tmp' });
    expect(inTmp.spec.volumes.map((v) => v.name)).toEqual(['tmp']);
    expect(container(inTmp).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('requests what it limits: memory always, cpu when set (then the pod is Guaranteed)', () => {
    expect(container(pod).resources).toEqual({ limits: { memory: '512Mi' }, requests: { memory: '512Mi' } });
    const { resources } = container(withLimits({ cpus: '1.5' }));
    expect(resources.limits).toEqual({ memory: '512Mi', cpu: '1500m' });
    // Guaranteed QoS: every container has cpu and memory limits, and requests equal to them.
    expect(resources.requests).toEqual(resources.limits);
  });

  it('pulls the image as asked', () => {
    for (const policy of ['Always', 'IfNotPresent', 'Never'] as const) {
      expect(container(build({}, { imagePullPolicy: policy })).imagePullPolicy).toBe(policy);
    }
  });

  it('does not change its input', () => {
    const input = spec({ env: { A: '$1' }, labels: { a: 'b' } });
    const copy = structuredClone(input);
    buildPod(input, { namespace: NAMESPACE, labels: { c: 'd' } });
    expect(input).toEqual(copy);
  });
});

describe('buildPod: sizes and CPUs in Kubernetes quantities', () => {
  it.each([
    ['512m', '512Mi', 512 * MI],
    ['1g', '1Gi', GI],
    ['1536m', '1536Mi', 1536 * MI],
    ['1.5g', '1536Mi', 1.5 * GI],
    ['2048m', '2Gi', 2 * GI],
    ['6m', '6Mi', 6 * MI],
    ['10000k', '10000Ki', 10_000 * 1024],
    ['7340033', '7340033', 7 * MI + 1],
  ])('memory %s is %s (%d bytes), for limits and requests', (memory, quantity, bytes) => {
    const { resources } = container(withLimits({ memory }));
    expect(resources.limits.memory).toBe(quantity);
    expect(resources.requests.memory).toBe(quantity);
    expect(quantityBytes(quantity)).toBe(bytes);
  });

  it.each([
    ['16m', '16Mi'],
    ['1g', '1Gi'],
    ['1536k', '1536Ki'],
  ])('tmpfs size %s is a sizeLimit of %s', (size, quantity) => {
    const pod = withLimits({ tmpSize: size, workspaceSize: size });
    expect(pod.spec.volumes.map((v) => v.emptyDir.sizeLimit)).toEqual([quantity, quantity]);
  });

  it('sizes /tmp and the working directory each by its own limit', () => {
    const pod = withLimits({ tmpSize: '16m', workspaceSize: '1g' });
    expect(pod.spec.volumes).toEqual([
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      { name: 'workspace', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
    ]);
  });

  it.each([
    ['1.5', '1500m'],
    ['2', '2'],
    ['0.25', '250m'],
    ['0.001', '1m'],
  ])('cpus %s is %s', (cpus, quantity) => {
    const { resources } = container(withLimits({ cpus }));
    expect(resources.limits.cpu).toBe(quantity);
    expect(resources.requests.cpu).toBe(quantity);
  });

  it('sets no CPU at all without cpus', () => {
    const { resources } = container(withLimits({ cpus: undefined }));
    expect(resources.limits).not.toHaveProperty('cpu');
    expect(resources.requests).not.toHaveProperty('cpu');
  });
});

describe('buildPod: RuntimeClass', () => {
  it('takes the option, else the OCI runtime, else none', () => {
    expect(build({}, { runtimeClassName: 'kata' }).spec.runtimeClassName).toBe('kata');
    expect(withLimits({ ociRuntime: 'runsc' }, { runtimeClassName: 'gvisor' }).spec.runtimeClassName).toBe(
      'gvisor',
    );
    expect(withLimits({ ociRuntime: 'runsc' }).spec.runtimeClassName).toBe('runsc');
    expect(withLimits({ ociRuntime: undefined }).spec).not.toHaveProperty('runtimeClassName');
  });
});

describe('buildPod: text Kubernetes would expand', () => {
  it('keeps $ in the command and in variable values as written, after Kubernetes expands them', () => {
    const command = ['python3', '-c', 'print("$(HOME)", "$$", "$", "$(A)$")'];
    const env = { A: 'a$(HOME)', B: '$$(A)', C: '$' };
    const c = container(build({ command, env }));
    // Every variable a reference could name is defined, so an unescaped reference would be replaced.
    const vars = { HOME: '/home', A: 'value-of-a' };
    expect(c.command.map((part) => expand(part, vars))).toEqual(command);
    expect(c.env.map((v) => [v.name, expand(v.value, vars)])).toEqual(Object.entries(env));
  });
});

describe('buildPod: what a pod cannot hold', () => {
  const changed: { [K in keyof ContainerLimits]-?: ContainerLimits[K] } = {
    memory: '1g',
    pids: 64,
    cpus: '2',
    user: '1000:1000',
    nofile: 256,
    nproc: 64,
    tmpSize: '16m',
    workspaceSize: '1g',
    ociRuntime: 'gvisor',
  };

  it('lists exactly the limits that change nothing in the pod', () => {
    const base = build();
    const ignored = (Object.keys(changed) as (keyof ContainerLimits)[]).filter(
      (key) => JSON.stringify(withLimits({ [key]: changed[key] })) === JSON.stringify(base),
    );
    expect(ignored).toEqual([...UNENFORCED_POD_LIMITS]);
    expect(UNENFORCED_POD_LIMITS).toEqual(['pids', 'nofile', 'nproc']);
  });

  it('refuses a channel: no descriptor reaches a pod', () => {
    expect(thrown(() => build({ channel: true })).setting).toBe('spec.channel');
  });
});

describe('buildPod: refused values name their option', () => {
  const limits = (l: Partial<ContainerLimits>) => ({ limits: { ...DEFAULT_LIMITS, ...l } });

  it.each<[string, string, Partial<ContainerSpec>, Partial<KubernetesPodOptions>]>([
    ['an upper-case name', 'spec.name', { name: 'Codexec-run1' }, {}],
    ['a name with _', 'spec.name', { name: 'codexec_run1' }, {}],
    ['a name with .', 'spec.name', { name: 'codexec.run1' }, {}],
    ['a name starting with -', 'spec.name', { name: '-codexec' }, {}],
    ['a name ending with -', 'spec.name', { name: 'codexec-' }, {}],
    ['a name of 64 characters', 'spec.name', { name: `c${'x'.repeat(63)}` }, {}],
    ['an empty name', 'spec.name', { name: '' }, {}],
    ['a bad namespace', 'options.namespace', {}, { namespace: 'Code_Exec' }],
    ['a label key with a space', 'spec.labels["bad key"]', { labels: { 'bad key': 'x' } }, {}],
    ['a label key with two slashes', 'spec.labels["a/b/c"]', { labels: { 'a/b/c': 'x' } }, {}],
    ['an upper-case label prefix', 'spec.labels["Example.com/x"]', { labels: { 'Example.com/x': 'v' } }, {}],
    ['an empty label name', 'spec.labels["example.com/"]', { labels: { 'example.com/': 'v' } }, {}],
    ['a label name of 64', `spec.labels["${'k'.repeat(64)}"]`, { labels: { ['k'.repeat(64)]: 'v' } }, {}],
    ['a label value with a space', 'spec.labels["ok"]', { labels: { ok: 'two words' } }, {}],
    ['a label value of 64', 'spec.labels["ok"]', { labels: { ok: 'v'.repeat(64) } }, {}],
    ['a label value starting with -', 'spec.labels["ok"]', { labels: { ok: '-v' } }, {}],
    ['a label value with a newline', 'spec.labels["ok"]', { labels: { ok: 'a\nb' } }, {}],
    ['a bad option label', 'options.labels["bad key"]', {}, { labels: { 'bad key': 'x' } }],
    ['root', 'spec.limits.user', limits({ user: '0:0' }), {}],
    ['root with another group', 'spec.limits.user', limits({ user: '0:1000' }), {}],
    ['a user name', 'spec.limits.user', limits({ user: 'nobody' }), {}],
    ['a uid without a gid', 'spec.limits.user', limits({ user: '1000' }), {}],
    ['a group name', 'spec.limits.user', limits({ user: '1000:nogroup' }), {}],
    ['a uid past 2^31 - 1', 'spec.limits.user', limits({ user: '2147483648:1' }), {}],
    ['a lower-case pull policy', 'options.imagePullPolicy', {}, { imagePullPolicy: 'always' as never }],
    ['an unknown pull policy', 'options.imagePullPolicy', {}, { imagePullPolicy: 'Sometimes' as never }],
    ['a memory size of no unit Kubernetes knows', 'spec.limits.memory', limits({ memory: '1t' }), {}],
    ['a memory size too small', 'spec.limits.memory', limits({ memory: '2m' }), {}],
    ['a /tmp size in bytes below 1m', 'spec.limits.tmpSize', limits({ tmpSize: '512' }), {}],
    ['a fractional workspace size', 'spec.limits.workspaceSize', limits({ workspaceSize: '1.5g' }), {}],
    ['less than a thousandth of a CPU', 'spec.limits.cpus', limits({ cpus: '0.0004' }), {}],
    ['a RuntimeClass with capitals', 'options.runtimeClassName', {}, { runtimeClassName: 'gVisor' }],
    ['an OCI runtime path', 'spec.limits.ociRuntime', limits({ ociRuntime: '/usr/bin/runsc' }), {}],
    ['an image that is an option', 'spec.image', { image: '--privileged' }, {}],
    ['no command', 'spec.command', { command: [] }, {}],
    ['a relative working directory', 'spec.workdir', { workdir: 'work' }, {}],
    ['a bad variable name', 'spec.env key', { env: { 'BAD-NAME': 'x' } }, {}],
    ['a NUL in a variable', 'spec.env.OK', { env: { OK: 'a\0b' } }, {}],
  ])('%s is an INVALID_OPTIONS naming %s', (_what, setting, overrides, options) => {
    const error = thrown(() => build(overrides, options));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.setting).toBe(setting);
    expect(error.message).toContain(setting);
    expect(error.message).toMatch(/expected/);
  });

  it.each<[string, Partial<ContainerSpec>, Partial<KubernetesPodOptions>]>([
    ['a name of 63 characters', { name: `c${'x'.repeat(62)}` }, {}],
    ['a one-character name', { name: 'c' }, {}],
    ['an empty label value', { labels: { ok: '' } }, {}],
    ['a label value of 63', { labels: { ok: 'v'.repeat(63) } }, {}],
    ['a prefixed label key', { labels: { 'app.kubernetes.io/name': 'code-exec' } }, {}],
    ['a label value with _ . -', { labels: { ok: 'a_b.c-d' } }, {}],
    ['gid 0 for a non-root uid', limits({ user: '1000:0' }), {}],
    ['a dotted RuntimeClass', {}, { runtimeClassName: 'kata.qemu' }],
  ])('accepts %s, and the schema agrees', (_what, overrides, options) => {
    const pod = build(overrides, options);
    expect(() => validateOfficially(pod)).not.toThrow();
  });
});
