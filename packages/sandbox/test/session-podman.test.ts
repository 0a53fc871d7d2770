import { engineStatus } from './engines.js';
import { defineSessionSuite } from './session-scenarios.js';

defineSessionSuite('podman', await engineStatus('podman'));
