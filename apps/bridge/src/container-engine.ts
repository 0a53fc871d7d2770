import {
  type ContainerLimits,
  DEFAULT_LIMITS,
  type DetectedRuntime,
  detectRuntime,
  type RuntimeCandidate,
  validateLimits,
} from '@codexec/container-runtime';
import type { Logger } from './logger.js';
import { inBridgeTerms, type Settings } from './settings.js';

export type SelectedEngine = DetectedRuntime;

/** The settings that choose and reach the engine. */
export type EngineSettings = Pick<
  Settings,
  | 'runtime'
  | 'engineHost'
  | 'engineConnection'
  | 'kubeNamespace'
  | 'kubeconfig'
  | 'kubeContext'
  | 'kubeRuntimeClass'
  | 'kubePullPolicy'
  | 'kubeNetworkPolicy'
  | 'kubeOwnerPod'
>;

const ENGINE_INFO_TIMEOUT_MS = 30_000;

/**
 * The container engine the settings ask for, answering `info`: `podman`, `docker`, a binary path, or for `auto`
 * the first that answers. Its errors say what to install or start.
 */
export function selectEngine(
  settings: EngineSettings,
  options: { logger: Logger; signal?: AbortSignal },
): Promise<SelectedEngine> {
  return detectRuntime({
    explicit: settings.runtime,
    candidates: engineCandidates(settings),
    // A rootless podman waiting for its storage lock, or a daemon just started, can take more than the library's
    // 10 s to answer `info`; an engine that does not answer at all is still reported within half a minute.
    timeoutMs: ENGINE_INFO_TIMEOUT_MS,
    logger: options.logger,
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((error: unknown) => {
    // The package names its option (`runtime`); the user set MCP_BRIDGE_RUNTIME or --runtime.
    if (error instanceof Error) error.message = inBridgeTerms(error.message);
    throw error;
  });
}

/**
 * podman then docker, each told where its engine is when the settings say: an address (podman's `--url`, docker's
 * `--host`) or a named podman connection / docker context. Without them the CLIs read CONTAINER_HOST, DOCKER_HOST
 * and their own configuration, as they always do. Then Kubernetes with its settings, which `auto` never tries.
 * Pure.
 */
export function engineCandidates(settings: Omit<EngineSettings, 'runtime'>): RuntimeCandidate[] {
  const { engineHost: host, engineConnection: connection } = settings;
  const podman = host ? ['--url', host] : connection ? ['--connection', connection] : [];
  const docker = host ? ['--host', host] : connection ? ['--context', connection] : [];
  return [
    { engine: 'podman', ...(podman.length > 0 ? { options: { globalArgs: podman } } : {}) },
    { engine: 'docker', ...(docker.length > 0 ? { options: { globalArgs: docker } } : {}) },
    {
      engine: 'kubernetes',
      kubernetes: {
        namespace: settings.kubeNamespace,
        kubeconfig: settings.kubeconfig,
        context: settings.kubeContext,
        runtimeClassName: settings.kubeRuntimeClass,
        imagePullPolicy: settings.kubePullPolicy,
        networkPolicy: settings.kubeNetworkPolicy,
        ownerPod: settings.kubeOwnerPod,
      },
    },
  ];
}

/** Container limits: the runtime package's hardened defaults, with what the settings change. */
export function containerLimits(settings: Settings): ContainerLimits {
  const chosen: Partial<ContainerLimits> = {
    memory: settings.memory,
    pids: settings.pids,
    cpus: settings.cpus,
    user: settings.containerUser,
    ociRuntime: settings.ociRuntime,
    nofile: settings.nofile,
    nproc: settings.nproc,
    tmpSize: settings.tmpSize,
    workspaceSize: settings.workspaceSize,
  };
  const set = Object.fromEntries(Object.entries(chosen).filter(([, value]) => value !== undefined));
  return validateLimits({ ...DEFAULT_LIMITS, ...set });
}
