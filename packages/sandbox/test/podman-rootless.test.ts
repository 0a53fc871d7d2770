import { rootlessPodmanStatus } from './engines.js';
import { defineSandboxSuite } from './scenarios.js';

// Every scenario again on rootless podman: on cgroups v1 (this machine, CI) the engine ignores the memory, pids and
// CPU limits, and the memory, fork-bomb and timeout scenarios must hold through the runtime's rlimits.
defineSandboxSuite('podman', await rootlessPodmanStatus(), { rootless: true });
