import type { IPod } from 'kubernetes-models/v1';
import { InvalidObjectError } from './errors.js';
import { cpus, memoryBytes } from './quantity.js';

/** How a pod's one container runs under podman, as a node would run it. */
export interface PodmanRun {
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Arguments after `podman`: `run … IMAGE COMMAND…`. */
  args: string[];
}

/**
 * Rlimits and the pids limit the node applies to every container. As root on these machines podman's own defaults
 * exceed the hard limits and the container fails to start, so the node sets them, as a kubelet's runtime would.
 */
const NODE_LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=512:512', '--pids-limit', '128'];

/**
 * The `podman run` arguments that run `pod` as a node would enforce its spec. Pure.
 *
 * - `--network none` stands in for the deny-all NetworkPolicy of the sandbox namespace.
 * - Memory emptyDirs become tmpfs mounts of their size limit (mode 1777, as an emptyDir is world-writable).
 * - `$$` in the command and in variable values becomes `$`, the only reference expansion kept: `$(NAME)` stays as
 *   written (the clients of this stand-in escape every `$`).
 * - Requests are not used: only limits constrain a running container.
 *
 * @throws {InvalidObjectError} for a spec the stand-in cannot run (more than one container, another volume kind, a
 * RuntimeClass, a tty, a limit that is not a quantity, a mount of no volume), naming the field.
 */
export function podmanRun(pod: IPod): PodmanRun {
  const name = pod.metadata?.name;
  if (!name)
    throw new InvalidObjectError('metadata.name', 'Required value: the stand-in takes no generateName');
  const spec = pod.spec;
  if (!spec) throw new InvalidObjectError('spec', 'Required value');
  if (spec.containers.length !== 1) {
    throw new InvalidObjectError('spec.containers', 'the stand-in runs pods of exactly one container');
  }
  if (spec.initContainers?.length || spec.ephemeralContainers?.length) {
    throw new InvalidObjectError('spec.initContainers', 'the stand-in runs no init or ephemeral containers');
  }
  if (spec.runtimeClassName !== undefined) {
    throw new InvalidObjectError('spec.runtimeClassName', 'the stand-in has no RuntimeClass');
  }
  const container = spec.containers[0]!;
  const field = 'spec.containers[0]';
  if (!container.image) throw new InvalidObjectError(`${field}.image`, 'Required value');
  if (container.tty) throw new InvalidObjectError(`${field}.tty`, 'the stand-in attaches without a tty');

  const args = ['run', '-i', '--rm', '--name', name];
  for (const [key, value] of Object.entries(pod.metadata?.labels ?? {}))
    args.push('--label', `${key}=${value}`);
  args.push('--network', 'none');

  const user = container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
  const group = container.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup;
  if (user !== undefined) args.push('--user', group === undefined ? String(user) : `${user}:${group}`);
  if (container.securityContext?.readOnlyRootFilesystem) args.push('--read-only');
  for (const cap of container.securityContext?.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of container.securityContext?.capabilities?.add ?? []) args.push('--cap-add', cap);
  if (container.securityContext?.privileged) args.push('--privileged');
  if (container.securityContext?.allowPrivilegeEscalation === false) {
    args.push('--security-opt', 'no-new-privileges');
  }

  const limits = container.resources?.limits ?? {};
  if (limits.memory !== undefined) {
    const bytes = memoryBytes(String(limits.memory));
    if (bytes === undefined) {
      throw new InvalidObjectError(
        `${field}.resources.limits.memory`,
        `not a memory quantity: ${limits.memory}`,
      );
    }
    // Memory and swap together equal to the memory limit: no swap, as a kubelet runs containers by default.
    args.push('--memory', String(bytes), '--memory-swap', String(bytes));
  }
  if (limits.cpu !== undefined) {
    const count = cpus(String(limits.cpu));
    if (count === undefined) {
      throw new InvalidObjectError(`${field}.resources.limits.cpu`, `not a CPU quantity: ${limits.cpu}`);
    }
    args.push('--cpus', count);
  }

  const volumes = new Map((spec.volumes ?? []).map((volume) => [volume.name, volume]));
  for (const [index, volume] of (spec.volumes ?? []).entries()) {
    if (volume.emptyDir?.medium !== 'Memory') {
      throw new InvalidObjectError(
        `spec.volumes[${index}]`,
        'the stand-in has only emptyDir volumes of medium Memory',
      );
    }
  }
  for (const [index, mount] of (container.volumeMounts ?? []).entries()) {
    const volume = volumes.get(mount.name);
    if (!volume) {
      throw new InvalidObjectError(`${field}.volumeMounts[${index}].name`, `Not found: "${mount.name}"`);
    }
    const sizeLimit = volume.emptyDir?.sizeLimit;
    const options = ['rw'];
    if (sizeLimit !== undefined) {
      const bytes = memoryBytes(String(sizeLimit));
      if (bytes === undefined) {
        throw new InvalidObjectError(
          `spec.volumes[${mount.name}].emptyDir.sizeLimit`,
          `not a quantity: ${sizeLimit}`,
        );
      }
      options.push(`size=${bytes}`);
    }
    options.push('mode=1777');
    args.push('--tmpfs', `${mount.mountPath}:${options.join(',')}`);
  }

  for (const [index, variable] of (container.env ?? []).entries()) {
    if (variable.valueFrom) {
      throw new InvalidObjectError(
        `${field}.env[${index}].valueFrom`,
        'the stand-in takes only literal values',
      );
    }
    args.push('--env', `${variable.name}=${unescapeReferences(variable.value ?? '')}`);
  }
  if (container.workingDir) args.push('--workdir', container.workingDir);
  args.push(...NODE_LIMITS, '--log-driver', 'none');

  const imagePullPolicy =
    container.imagePullPolicy ?? (container.image.endsWith(':latest') ? 'Always' : 'IfNotPresent');
  if (imagePullPolicy !== 'Always' && imagePullPolicy !== 'IfNotPresent' && imagePullPolicy !== 'Never') {
    throw new InvalidObjectError(`${field}.imagePullPolicy`, `Unsupported value: "${imagePullPolicy}"`);
  }
  if (imagePullPolicy === 'Never') args.push('--pull', 'never');

  // A `command` replaces the image's entrypoint; `args` follow it. Podman takes the entrypoint apart from the
  // command, so an empty `--entrypoint` clears the image's own.
  const command = (container.command ?? []).map(unescapeReferences);
  const commandArgs = (container.args ?? []).map(unescapeReferences);
  if (command.length > 0) args.push('--entrypoint', JSON.stringify(command));
  args.push(container.image, ...commandArgs);
  return { image: container.image, imagePullPolicy, args };
}

/** Kubernetes' `$$` → `$`, left to right, and nothing else: `$(NAME)` is not expanded. */
export function unescapeReferences(text: string): string {
  return text.replace(/\$\$/g, () => '$');
}
