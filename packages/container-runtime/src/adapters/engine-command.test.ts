import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { commandFailed, type EngineCli } from './engine-command.js';

const podman: EngineCli = {
  engine: 'podman',
  command: 'podman',
  globalArgs: [],
  env: {},
  endpoint: { kind: 'local', source: 'default', remote: false },
  cwd: '/tmp',
  platform: 'linux',
  logger: silentLogger,
};

describe('commandFailed', () => {
  it('names the command, its exit code and the last lines of its stderr', () => {
    const stderr = `${Array.from({ length: 20 }, (_, i) => `noise ${i}`).join('\n')}\nError: layer is busy\n`;
    const error = commandFailed(podman, ['rm', '--force', 'codexec-x'], { exitCode: 2, stdout: '', stderr });
    expect(error.code).toBe('COMMAND_FAILED');
    expect(error.engine).toBe('podman');
    expect(error.message).toMatch(/^`podman rm --force codexec-x` failed with exit code 2:\n/);
    expect(error.message).toContain('Error: layer is busy');
    expect(error.message).not.toContain('noise 0\n');
    expect(error.message).toMatch(/Run it by hand/);
    expect(error.stderr?.split('\n')).toHaveLength(8);
  });

  it('is ENGINE_NOT_RESPONDING, with advice, when the engine could not be reached', () => {
    const error = commandFailed({ ...podman, engine: 'docker', command: 'docker' }, ['ps'], {
      exitCode: 1,
      stdout: '',
      stderr:
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    });
    expect(error.code).toBe('ENGINE_NOT_RESPONDING');
    expect(error.message).toMatch(/Start the daemon/);
  });

  it('has no stderr of its own when the command printed none', () => {
    const error = commandFailed(podman, ['ps'], { exitCode: 125, stdout: '', stderr: '' });
    expect(error.stderr).toBeUndefined();
  });
});
