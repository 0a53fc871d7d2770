export { type CliRuntimeOptions, createCliRuntime, type EngineDialect } from './adapters/cli.js';
export { type DescriptorPassingInput, passesDescriptors } from './adapters/descriptor-passing.js';
export { createDockerRuntime, type DockerRuntimeOptions } from './adapters/docker.js';
export { createPodmanRuntime, type PodmanRuntimeOptions } from './adapters/podman.js';
export { type EnsurePodmanMachineOptions, ensurePodmanMachine } from './adapters/podman-machine.js';
export {
  createRuntime,
  DEFAULT_CANDIDATES,
  type DetectedRuntime,
  type DetectRuntimeOptions,
  detectRuntime,
  parseRuntimeChoice,
  type RuntimeCandidate,
} from './detect.js';
export { describeEndpoint, type EndpointInput, type EngineEndpoint, engineEndpoint } from './endpoint.js';
export { classifyStartFailure, type StartFailureInput, unknownOciRuntime } from './engine-errors.js';
export {
  parseDockerAddress,
  parseDockerContainers,
  parseDockerInfo,
  parseDockerLabels,
  parsePodmanContainers,
  parsePodmanInfo,
} from './engine-output.js';
export {
  ContainerRuntimeError,
  type ContainerRuntimeErrorCode,
  type ContainerRuntimeErrorOptions,
  isContainerRuntimeError,
} from './errors.js';
export {
  type BuildRunArgsOptions,
  buildRunArgs,
  CONTAINER_NAME_PREFIX,
  CONTAINER_WORKDIR,
  containerLabels,
  containerName,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  PROXY_VARIABLES,
} from './hardened-args.js';
export { REQUIRED_ACCESS, REQUIRED_RBAC, type RequiredAccess } from './kubernetes/kube-errors.js';
export { createKubernetesRuntime, type KubernetesRuntimeOptions } from './kubernetes/kubernetes-runtime.js';
export {
  type DirectionState,
  describeIsolation,
  type Isolation,
  isolatingPolicies,
  NETWORK_POLICY_MODES,
  type NetworkPolicyMode,
  type NetworkPolicyView,
  SANDBOX_NETWORK_POLICY_NAME,
  sandboxIsolation,
  sandboxNetworkPolicy,
} from './kubernetes/network-policy.js';
export {
  buildPod,
  type ImagePullPolicy,
  type KubernetesPodOptions,
  type Pod,
  SANDBOX_CONTAINER,
  UNENFORCED_POD_LIMITS,
} from './kubernetes/pod-spec.js';
export { type CgroupLimit, type LimitSupport, limitSupport } from './limit-support.js';
export { type Logger, silentLogger } from './logger.js';
export {
  findOrphans,
  LABEL_OWNER_HOST,
  LABEL_OWNER_PID,
  ownerLabels,
  processIsAlive,
  reapOrphans,
} from './orphans.js';
export {
  DEFAULT_MACHINE_NAME,
  machineFailure,
  type PodmanMachine,
  type PodmanMachinePlan,
  parsePodmanMachineList,
  planPodmanMachine,
  startSaysAlreadyRunning,
} from './podman-machine.js';
export type * from './runtime.js';
export {
  checkLimit,
  DEFAULT_IMAGE,
  DEFAULT_LIMITS,
  parseSize,
  validateImage,
  validateLimits,
} from './settings.js';
