import { remoteEngineStatus } from './engines.js';
import { defineSandboxSuite } from './scenarios.js';

// Every scenario through podman as a client of a second API service with storage of its own (CONTAINER_HOST).
defineSandboxSuite('podman', await remoteEngineStatus('podman'), { remote: true });
