import { invalidOption } from '../errors.js';
import { checkedEnv, checkWorkdir, LABEL_MANAGED } from '../hardened-args.js';
import type { ContainerLimits, ContainerSpec } from '../runtime.js';
import { parseSize, validateImage, validateLimits } from '../settings.js';

/**
 * A v1 Pod as `buildPod` writes it: the subset of the Kubernetes API fields it sets, under their API names, so the
 * object can be sent as it is. No field here is a local invention.
 */
export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: PodMetadata;
  spec: PodSpec;
}

export interface PodMetadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

/** A v1 OwnerReference to a pod: the garbage collector deletes the dependent once its owner is gone. */
export interface OwnerReference {
  apiVersion: 'v1';
  kind: 'Pod';
  name: string;
  uid: string;
}

/** The pod whose end should end the sandbox pods: the bridge's own, in the same namespace. */
export interface PodOwner {
  name: string;
  uid: string;
}

export interface PodSpec {
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  automountServiceAccountToken: boolean;
  enableServiceLinks: boolean;
  hostNetwork: boolean;
  hostPID: boolean;
  hostIPC: boolean;
  shareProcessNamespace: boolean;
  terminationGracePeriodSeconds: number;
  runtimeClassName?: string;
  securityContext: PodSecurityContext;
  containers: Container[];
  volumes: Volume[];
}

export interface SeccompProfile {
  type: 'RuntimeDefault' | 'Localhost' | 'Unconfined';
}

export interface PodSecurityContext {
  runAsUser: number;
  runAsGroup: number;
  runAsNonRoot: boolean;
  fsGroup: number;
  seccompProfile: SeccompProfile;
}

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface Container {
  name: string;
  image: string;
  imagePullPolicy: ImagePullPolicy;
  command: string[];
  env: EnvVar[];
  workingDir: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  securityContext: SecurityContext;
  resources: ResourceRequirements;
  volumeMounts: VolumeMount[];
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface SecurityContext {
  allowPrivilegeEscalation: boolean;
  privileged: boolean;
  readOnlyRootFilesystem: boolean;
  runAsNonRoot: boolean;
  capabilities: { drop: string[] };
  seccompProfile: SeccompProfile;
}

/** Quantities (`512Mi`, `1500m`) by resource name. A type, not an interface, so it fits a map of any names. */
export type ResourceList = Partial<Record<'memory' | 'cpu', string>>;

export interface ResourceRequirements {
  limits: ResourceList;
  requests: ResourceList;
}

export interface Volume {
  name: string;
  emptyDir: { medium: '' | 'Memory'; sizeLimit: string };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
}

export interface KubernetesPodOptions {
  /** Namespace of the pod: the one whose NetworkPolicy cuts the sandbox pods off the network. */
  namespace: string;
  /**
   * The cluster's RuntimeClass to run the pod with (gVisor, Kata: whatever name the cluster gave it). A RuntimeClass
   * carries its own node selector and tolerations, so pods need none to land on nodes that have the runtime.
   * @default `spec.limits.ociRuntime` when set, else the cluster's default runtime
   */
  runtimeClassName?: string | undefined;
  /** @default 'IfNotPresent' */
  imagePullPolicy?: ImagePullPolicy | undefined;
  /**
   * Labels added to the pod (`app.kubernetes.io/part-of`, a team label). `spec.labels` win over them, since they
   * are what `list` and `reap` look pods up by, and `LABEL_MANAGED` is always `"true"`.
   * @default {}
   */
  labels?: Record<string, string> | undefined;
  /**
   * A pod of the same namespace that owns this one (an ownerReference): when it is deleted, the cluster's garbage
   * collector deletes this pod too, so the sandboxes of a bridge pod that died go with it. An owner reference to a
   * pod that does not exist in the namespace makes the collector delete this pod at once: name only the bridge's
   * own pod, as it is now (`createKubernetesRuntime`'s `ownerPod` looks it up).
   */
  owner?: PodOwner | undefined;
}

/**
 * The limits of `ContainerLimits` a pod spec has no field for:
 * - `pids`: Kubernetes sets one process limit for every pod of a node (the kubelet's `podPidsLimit`, chosen by
 *   whoever runs the nodes), none per pod.
 * - `nofile`, `nproc`: a pod cannot set rlimits; the node's container runtime defaults apply.
 *
 * The sandbox's Python runtime reads the limits its cgroup really has and holds memory and processes itself with
 * rlimits where they are missing (RLIMIT_NPROC in place of the pids limit), and says so in its limits report.
 */
export const UNENFORCED_POD_LIMITS: readonly (keyof ContainerLimits)[] = Object.freeze([
  'pids',
  'nofile',
  'nproc',
]);

/** The one container of a sandbox pod. */
export const SANDBOX_CONTAINER = 'sandbox';

const IMAGE_PULL_POLICIES: readonly string[] = ['Always', 'IfNotPresent', 'Never'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
// Kubernetes refuses ids above 2^31 - 1 for runAsUser, runAsGroup and fsGroup.
const MAX_ID = 2_147_483_647;

/**
 * The v1 Pod that runs `spec` with the hardening of `buildRunArgs`, written into the pod spec. Pure: it only reads
 * its arguments.
 *
 * - The pod never restarts, gets no service account token, no service variables, none of the host's namespaces,
 *   and is killed at once when deleted (grace period 0), as `rm -f` kills a container.
 * - It runs as `spec.limits.user` (numeric `uid:gid`; uid 0 is refused), non-root, with the runtime's default
 *   seccomp profile, a read-only root filesystem, no capabilities and no privilege escalation: the pod meets the
 *   `restricted` Pod Security Standard.
 * - `/tmp` and the working directory are memory-backed emptyDirs sized by `tmpSize` and `workspaceSize`. Their
 *   pages count against the memory limit, as tmpfs pages do in a container.
 * - Resources: requests equal limits. Memory is then never overcommitted, and with `cpus` set the pod gets the
 *   Guaranteed QoS class, which also keeps it off swap on nodes that allow swap. Without `cpus` there is no CPU
 *   limit and the pod is Burstable: on a node with swap turned on (NodeSwap, LimitedSwap) it may swap. No
 *   ephemeral-storage limit: with a read-only root and memory-backed volumes, nothing of the pod's is written to
 *   the node's disk but its log, which the kubelet rotates; a limit there would evict a session for printing.
 * - `spec.limits.ociRuntime` becomes `runtimeClassName` as it is, unless `options.runtimeClassName` is set (which
 *   wins): a cluster names its RuntimeClasses itself, so no name is guessed (runsc is `gvisor` on some clusters),
 *   and a name the cluster lacks makes it refuse the pod instead of running it with a weaker runtime.
 *
 * What a pod spec cannot say, that the run arguments do:
 * - The limits in `UNENFORCED_POD_LIMITS`.
 * - `--network none`: every pod has a network. The NetworkPolicy in deploy/kubernetes denies all traffic to and
 *   from pods labelled `LABEL_MANAGED` (it needs a network plugin that enforces NetworkPolicy).
 * - `noexec`, `nosuid`, `nodev` on the volumes: emptyDir has no mount options. Without capabilities and with no
 *   privilege escalation, setuid files and device nodes give nothing; files written there can be executed.
 * - `--log-driver none`: the kubelet keeps what the container prints in a log on the node until the pod is deleted.
 * - A clean environment: the kubelet adds the `KUBERNETES_SERVICE_*` variables to every pod whatever
 *   `enableServiceLinks` says (the API server's address, which the NetworkPolicy makes unreachable).
 * - `spec.channel`: no descriptor can be handed into a pod, so it is refused.
 *
 * `command` replaces the image's entrypoint (`run IMAGE COMMAND` keeps it; the same for images without one, such
 * as python:3.12-slim). Kubernetes expands `$(NAME)` in the command and in variable values, so every `$` is
 * written as `$$`, which it turns back into one `$`.
 *
 * @throws {ContainerRuntimeError} `INVALID_OPTIONS` for a value Kubernetes would refuse or that could not be passed
 * safely, naming it (`spec.name`, `spec.labels["key"]`, `spec.limits.user`, `options.imagePullPolicy`, …).
 */
export function buildPod(spec: ContainerSpec, options: KubernetesPodOptions): Pod {
  const image = validateImage(spec.image, 'spec.image');
  const limits = validateLimits(spec.limits, (key) => `spec.limits.${key}`);
  const name = dnsLabel(spec.name, 'spec.name');
  const namespace = dnsLabel(options.namespace, 'options.namespace');
  if (spec.command.length === 0)
    throw invalidOption('spec.command', '[]', 'a command such as ["python3", "-c", "…"]');
  if (spec.channel) {
    throw invalidOption('spec.channel', 'true', 'false: no descriptor can be handed into a pod');
  }
  const workdir = checkWorkdir(spec.workdir);
  const env = checkedEnv(spec.env ?? {});
  const imagePullPolicy = options.imagePullPolicy ?? 'IfNotPresent';
  if (!IMAGE_PULL_POLICIES.includes(imagePullPolicy)) {
    throw invalidOption('options.imagePullPolicy', imagePullPolicy, 'Always, IfNotPresent or Never');
  }
  const runtimeClassName =
    options.runtimeClassName !== undefined
      ? runtimeClass(options.runtimeClassName, 'options.runtimeClassName')
      : limits.ociRuntime !== undefined
        ? runtimeClass(limits.ociRuntime, 'spec.limits.ociRuntime')
        : undefined;
  const { uid, gid } = podUser(limits.user);

  const labels = {
    ...checkedLabels(options.labels ?? {}, 'options.labels'),
    ...checkedLabels(spec.labels, 'spec.labels'),
    [LABEL_MANAGED]: 'true',
  };

  const resources: ResourceList = { memory: quantity(limits.memory, 'spec.limits.memory') };
  if (limits.cpus !== undefined) resources.cpu = cpuQuantity(limits.cpus);

  const volumes: Volume[] = [memoryVolume('tmp', quantity(limits.tmpSize, 'spec.limits.tmpSize'))];
  const volumeMounts: VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  if (workdir !== '/tmp') {
    volumes.push(memoryVolume('workspace', quantity(limits.workspaceSize, 'spec.limits.workspaceSize')));
    volumeMounts.push({ name: 'workspace', mountPath: workdir });
  }

  const seccompProfile: SeccompProfile = { type: 'RuntimeDefault' };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels,
      ...(options.owner ? { ownerReferences: [ownerReference(options.owner)] } : {}),
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      shareProcessNamespace: false,
      terminationGracePeriodSeconds: 0,
      ...(runtimeClassName === undefined ? {} : { runtimeClassName }),
      securityContext: {
        runAsUser: uid,
        runAsGroup: gid,
        runAsNonRoot: true,
        fsGroup: gid,
        seccompProfile,
      },
      containers: [
        {
          name: SANDBOX_CONTAINER,
          image,
          imagePullPolicy,
          command: spec.command.map(escapeReferences),
          env: env.map(([key, value]) => ({ name: key, value: escapeReferences(value) })),
          workingDir: workdir,
          stdin: true,
          stdinOnce: true,
          tty: false,
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { ...seccompProfile },
          },
          resources: { limits: resources, requests: { ...resources } },
          volumeMounts,
        },
      ],
      volumes,
    },
  };
}

/** A DNS-1123 label (lower-case letters, digits, `-`; at most 63), which names of pods and namespaces must be. */
function dnsLabel(value: string, setting: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw invalidOption(
      setting,
      value,
      'at most 63 lower-case letters, digits or "-", starting and ending with a letter or digit',
    );
  }
  return value;
}

function ownerReference(owner: PodOwner): OwnerReference {
  const name = owner.name;
  if (name.length > 253 || !name.split('.').every((part) => DNS_LABEL.test(part))) {
    throw invalidOption(
      'options.owner.name',
      name,
      'the name of a pod (lower-case letters, digits, "-" and ".")',
    );
  }
  if (!/^[0-9a-f-]{36}$/i.test(owner.uid)) {
    throw invalidOption(
      'options.owner.uid',
      owner.uid,
      'the uid of a pod, as the API server gives it (a UUID)',
    );
  }
  // Neither `controller` nor `blockOwnerDeletion`: the bridge's pod controls nothing, and deleting it must not wait.
  return { apiVersion: 'v1', kind: 'Pod', name, uid: owner.uid };
}

/** A RuntimeClass name: a DNS-1123 subdomain (dot-separated labels, at most 253). */
function runtimeClass(value: string, setting: string): string {
  if (value.length > 253 || !value.split('.').every((part) => DNS_LABEL.test(part))) {
    throw invalidOption(
      setting,
      value,
      'the name of a RuntimeClass of the cluster (`kubectl get runtimeclass`), such as gvisor or kata',
    );
  }
  return value;
}

/** Labels in Kubernetes syntax: `[prefix/]name` keys and values of at most 63 characters. */
function checkedLabels(labels: Record<string, string>, setting: string): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash === -1 ? undefined : key.slice(0, slash);
    const labelName = key.slice(slash + 1);
    const prefixOk =
      prefix === undefined ||
      (prefix.length <= 253 && prefix.split('.').every((part) => DNS_LABEL.test(part)));
    if (!prefixOk || labelName.length > 63 || !LABEL_NAME.test(labelName)) {
      throw invalidOption(
        `${setting}["${key}"]`,
        key,
        'a label key: an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or ".", ' +
          'starting and ending with a letter or digit',
      );
    }
    if (value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
      throw invalidOption(
        `${setting}["${key}"]`,
        value,
        'a label value: empty, or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
      );
    }
  }
  return { ...labels };
}

/** The numeric uid and gid of `uid:gid`; Kubernetes takes no names, and the pod must not run as root. */
function podUser(user: string): { uid: number; gid: number } {
  const match = /^(\d+):(\d+)$/.exec(user);
  const uid = Number(match?.[1]);
  const gid = Number(match?.[2]);
  if (!match || uid > MAX_ID || gid > MAX_ID) {
    throw invalidOption(
      'spec.limits.user',
      user,
      'a numeric uid:gid such as 65534:65534 (a pod cannot name users, nor leave the group to the image)',
    );
  }
  if (uid === 0)
    throw invalidOption('spec.limits.user', user, 'a uid other than 0: a sandbox pod never runs as root');
  return { uid, gid };
}

const BINARY_UNITS: readonly [string, number][] = [
  ['Gi', 1024 ** 3],
  ['Mi', 1024 ** 2],
  ['Ki', 1024],
];

/** A size in engine syntax as a quantity of the same bytes, in the largest binary unit that holds it whole. */
function quantity(size: string, setting: string): string {
  const bytes = parseSize(size);
  if (bytes === undefined || bytes <= 0) throw invalidOption(setting, size, 'a size such as 512m or 1g');
  for (const [suffix, unit] of BINARY_UNITS) if (bytes % unit === 0) return `${bytes / unit}${suffix}`;
  return String(bytes);
}

/** CPUs (`1.5`) in the thousandths Kubernetes counts in: `1500m`, or `2` when whole. */
function cpuQuantity(cpus: string): string {
  const millis = Math.round(Number(cpus) * 1000);
  if (millis < 1)
    throw invalidOption('spec.limits.cpus', cpus, 'at least 0.001 CPUs, the least a pod can get');
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

function memoryVolume(name: string, sizeLimit: string): Volume {
  return { name, emptyDir: { medium: 'Memory', sizeLimit } };
}

/** `$` as `$$`, so that Kubernetes' `$(NAME)` expansion gives the text back unchanged. */
function escapeReferences(text: string): string {
  return text.replace(/\$/g, () => '$$');
}
