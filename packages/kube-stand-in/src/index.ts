export { reviewSelfAccess } from './access-review.js';
export { type ApiStatus, exitStatus } from './api-status.js';
export { CHANNEL_PROTOCOLS } from './attach.js';
export { InvalidObjectError } from './errors.js';
export { type Logger, silentLogger } from './logger.js';
export { NetworkPolicyStore, type StoredNetworkPolicy, validateNetworkPolicy } from './network-policy.js';
export type { ContainerState, Phase } from './pod-runner.js';
export { type PodmanRun, podmanRun, unescapeReferences } from './podman-args.js';
export { cpus, memoryBytes, parseQuantity } from './quantity.js';
export {
  type AccessAttributes,
  type AccessDecision,
  decideAccess,
  type Grant,
  SERVICE_ACCOUNT,
  serviceAccountUser,
} from './rbac.js';
export type { ResourceRequest } from './request-info.js';
export { type KubeStandIn, type KubeStandInOptions, type PodSnapshot, startKubeStandIn } from './server.js';
