import { remoteEngineStatus } from './engines.js';
import { defineSandboxSuite } from './scenarios.js';

// Every scenario through the docker CLI talking to its daemon over loopback TCP (DOCKER_HOST).
defineSandboxSuite('docker', await remoteEngineStatus('docker'), { remote: true });
