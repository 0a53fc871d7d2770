import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { clientRunning } from '../src/adapters/client-liveness.js';

// The check a warm pool relies on: a client killed an instant ago is dead to it, before Node has seen the exit.
describe.runIf(process.platform === 'linux')('clientRunning', () => {
  it('sees a kill -9 at once, before the exit event, every time', async () => {
    for (let i = 0; i < 50; i += 1) {
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      await once(child, 'spawn');
      expect(clientRunning(child)).toBe(true);
      process.kill(child.pid!, 'SIGKILL');
      // No await in between: the exit event cannot have been delivered.
      expect(child.exitCode === null && child.signalCode === null).toBe(true);
      expect(clientRunning(child)).toBe(false);
      await once(child, 'exit');
      expect(clientRunning(child)).toBe(false);
    }
  });

  it('sees a client that exited by itself, and one that never started', async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    await once(child, 'exit');
    expect(clientRunning(child)).toBe(false);
    expect(clientRunning({ pid: undefined, exitCode: null, signalCode: null })).toBe(false);
  });
});
