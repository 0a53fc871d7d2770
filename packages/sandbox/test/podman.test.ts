import { engineStatus } from './engines.js';
import { defineSandboxSuite } from './scenarios.js';

defineSandboxSuite('podman', await engineStatus('podman'));
