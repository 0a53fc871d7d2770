import { engineStatus } from './engines.js';
import { definePoolSuite } from './pool-scenarios.js';

definePoolSuite('docker', await engineStatus('docker'));
