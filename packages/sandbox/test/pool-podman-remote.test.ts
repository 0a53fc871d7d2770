import { remoteEngineStatus } from './engines.js';
import { definePoolSuite } from './pool-scenarios.js';

// The warm pool's scenarios through a remote podman, asking for the direct channel it cannot have there.
definePoolSuite('podman', await remoteEngineStatus('podman'), { directChannel: true, remote: true });
