import { engineStatus } from './engines.js';
import { defineSandboxSuite } from './scenarios.js';

defineSandboxSuite('docker', await engineStatus('docker'));
