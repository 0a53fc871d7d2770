import { engineStatus } from './engines.js';
import { defineSessionSuite } from './session-scenarios.js';

defineSessionSuite('docker', await engineStatus('docker'));
