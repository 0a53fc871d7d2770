import { engineStatus } from './engines.js';
import { definePoolSuite } from './pool-scenarios.js';

// Every pool scenario again, with frames over the socket podman passes into the container (`directChannel`).
definePoolSuite('podman', await engineStatus('podman'), { directChannel: true });
