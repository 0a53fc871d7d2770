import {
  type ContainerLimits,
  DEFAULT_LIMITS,
  type DetectedRuntime,
  detectRuntime,
  limitsFromEnv,
  RUNTIME_VARIABLE,
  validateLimits,
} from '@codexec/container-runtime';
import type { Logger } from './logger.js';
import type { Settings } from './settings.js';

export type SelectedEngine = DetectedRuntime;

/**
 * The container engine the settings ask for, answering `info`: `podman`, `docker`, a binary path, or for `auto`
 * the first that answers. Its errors say what to install or start.
 */
export function selectEngine(
  settings: Pick<Settings, 'runtime'>,
  options: { env: Record<string, string | undefined>; logger: Logger; signal?: AbortSignal },
): Promise<SelectedEngine> {
  // Handed over as the variable (a --runtime flag has already won over it), so errors name MCP_BRIDGE_RUNTIME.
  return detectRuntime({
    env: { ...options.env, [RUNTIME_VARIABLE]: settings.runtime },
    logger: options.logger,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * Container limits: the runtime package's hardened defaults and its own variables (MCP_BRIDGE_NOFILE, …), then
 * the bridge settings, whose flags may override the variables.
 */
export function containerLimits(
  settings: Settings,
  env: Record<string, string | undefined>,
): ContainerLimits {
  const base = limitsFromEnv(env, DEFAULT_LIMITS);
  return validateLimits({
    ...base,
    ...(settings.memory !== undefined ? { memory: settings.memory } : {}),
    ...(settings.pids !== undefined ? { pids: settings.pids } : {}),
    ...(settings.cpus !== undefined ? { cpus: settings.cpus } : {}),
    ...(settings.containerUser !== undefined ? { user: settings.containerUser } : {}),
    ...(settings.ociRuntime !== undefined ? { ociRuntime: settings.ociRuntime } : {}),
  });
}
