import { describe, expect, it } from 'vitest';
import { createRuntime, DEFAULT_CANDIDATES, detectRuntime, parseRuntimeChoice } from './detect.js';
import { ContainerRuntimeError } from './errors.js';

describe('parseRuntimeChoice', () => {
  it.each([
    ['auto', 'auto'],
    ['', 'auto'],
    ['podman', { engine: 'podman' }],
    ['Docker', { engine: 'docker' }],
    ['kubernetes', { engine: 'kubernetes' }],
    ['Kubernetes', { engine: 'kubernetes' }],
    [' PODMAN ', { engine: 'podman' }],
    ['/usr/local/bin/docker', { engine: 'docker', command: '/usr/local/bin/docker' }],
    ['/opt/podman/bin/podman', { engine: 'podman', command: '/opt/podman/bin/podman' }],
    ['podman-remote', { engine: 'podman', command: 'podman-remote' }],
    [
      'C:\\Program Files\\Docker\\docker.exe',
      { engine: 'docker', command: 'C:\\Program Files\\Docker\\docker.exe' },
    ],
  ])('%j → %j', (value, expected) => {
    expect(parseRuntimeChoice(value)).toEqual(expected);
  });

  it.each(['lxc', 'nerdctl', '/usr/bin/nerdctl', 'containerd'])(
    '%j is an INVALID_OPTIONS naming the variable',
    (value) => {
      let error: unknown;
      try {
        parseRuntimeChoice(value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ContainerRuntimeError);
      expect((error as ContainerRuntimeError).code).toBe('INVALID_OPTIONS');
      expect((error as ContainerRuntimeError).setting).toBe('runtime');
      expect((error as ContainerRuntimeError).message).toContain(JSON.stringify(value));
    },
  );

  it('tries podman before docker by default', () => {
    expect(DEFAULT_CANDIDATES.map((c) => c.engine)).toEqual(['podman', 'docker']);
  });
});

describe('kubernetes', () => {
  it('is never tried by auto, even when the candidates name it', async () => {
    expect(DEFAULT_CANDIDATES.map((c) => c.engine)).not.toContain('kubernetes');
    // With kubernetes as the only candidate, auto has nothing to try: no engine found, and no cluster asked.
    await expect(
      detectRuntime({ candidates: [{ engine: 'kubernetes' }], timeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: 'RUNTIME_NOT_FOUND' });
  });

  it('createRuntime builds the Kubernetes adapter, with its own options', () => {
    const runtime = createRuntime({ engine: 'kubernetes', kubernetes: { namespace: 'code-exec' } });
    expect(runtime.engine).toBe('kubernetes');
    expect(runtime.passesDescriptors).toBe(false);
    expect(runtime.endpoint).toMatchObject({ kind: 'address', remote: true });
  });
});
