import { describe, expect, it } from 'vitest';
import { hardenedPod, IMAGE } from '../test/pods.js';
import { InvalidObjectError } from './errors.js';
import { podmanRun, unescapeReferences } from './podman-args.js';

/** The value after each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((arg, index) => (arg === flag ? [args[index + 1]!] : []));
}

describe('podmanRun', () => {
  it('enforces the hardened pod as a node would', () => {
    const run = podmanRun(hardenedPod('run1', ['python3', '-c', 'print(1)'], { labels: { a: 'b' } }));
    const { args } = run;
    expect(args.slice(0, 5)).toEqual(['run', '-i', '--rm', '--name', 'run1']);
    expect(values(args, '--label')).toEqual(['codexec.dev/managed=true', 'a=b']);
    expect(values(args, '--network')).toEqual(['none']);
    expect(values(args, '--user')).toEqual(['65534:65534']);
    expect(args).toContain('--read-only');
    expect(values(args, '--cap-drop')).toEqual(['ALL']);
    expect(values(args, '--security-opt')).toEqual(['no-new-privileges']);
    expect(values(args, '--memory')).toEqual([String(256 * 2 ** 20)]);
    expect(values(args, '--memory-swap')).toEqual([String(256 * 2 ** 20)]);
    expect(values(args, '--cpus')).toEqual(['1']);
    expect(values(args, '--tmpfs')).toEqual([
      `/tmp:rw,size=${64 * 2 ** 20},mode=1777`,
      `/workspace:rw,size=${32 * 2 ** 20},mode=1777`,
    ]);
    expect(values(args, '--workdir')).toEqual(['/workspace']);
    expect(values(args, '--ulimit')).toEqual(['nofile=1024:1024', 'nproc=512:512']);
    expect(values(args, '--pids-limit')).toEqual(['128']);
    expect(values(args, '--log-driver')).toEqual(['none']);
    expect(values(args, '--pull')).toEqual(['never']);
    expect(values(args, '--entrypoint')).toEqual([JSON.stringify(['python3', '-c', 'print(1)'])]);
    expect(args.at(-1)).toBe(IMAGE);
    expect(run.imagePullPolicy).toBe('Never');
  });

  it('turns $$ back into $ in the command and the environment, and expands nothing else', () => {
    const pod = hardenedPod('run1', ['sh', '-c', 'echo $HOME $(X)'], { env: { A: 'x$(B)y$$' } });
    const { args } = podmanRun(pod);
    expect(values(args, '--entrypoint')).toEqual([JSON.stringify(['sh', '-c', 'echo $HOME $(X)'])]);
    expect(values(args, '--env')).toEqual(['A=x$(B)y$$']);
    expect(unescapeReferences('$$$(A)$$$$')).toBe('$$(A)$$');
  });

  it('refuses what the stand-in cannot run, naming the field', () => {
    const pod = hardenedPod('run1', ['true']);
    pod.spec!.volumes = [{ name: 'tmp', emptyDir: {} }];
    expect(() => podmanRun(pod)).toThrow(InvalidObjectError);
    expect(() => podmanRun(pod)).toThrow(/spec\.volumes\[0\]/);
    const two = hardenedPod('run1', ['true']);
    two.spec!.containers.push({ ...two.spec!.containers[0]!, name: 'second' });
    expect(() => podmanRun(two)).toThrow(/spec\.containers/);
    const badMemory = hardenedPod('run1', ['true'], { memory: 'lots' });
    expect(() => podmanRun(badMemory)).toThrow(/resources\.limits\.memory/);
  });
});
