import { engineStatus } from './engines.js';
import { definePoolSuite } from './pool-scenarios.js';

definePoolSuite('podman', await engineStatus('podman'), { directChannel: false });
