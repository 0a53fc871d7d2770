import { engineStatus } from './engines.js';
import { defineSandboxSuite } from './scenarios.js';

// Every scenario again, with frames over the socket podman passes into the container (`directChannel`).
defineSandboxSuite('podman', await engineStatus('podman'), { directChannel: true });
