import { describe, expect, it } from 'vitest';
import { ContainerRuntimeError } from './errors.js';
import {
  buildRunArgs,
  containerLabels,
  containerName,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  PROXY_VARIABLES,
} from './hardened-args.js';
import type { ContainerSpec, EngineName } from './runtime.js';
import { DEFAULT_LIMITS } from './settings.js';

const IMAGE = 'localhost/codexec-python:bookworm';

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: IMAGE,
    name: 'codexec-run1',
    labels: containerLabels('bridge-a'),
    command: ['python3', '-u', '-c', 'print(1)'],
    limits: { ...DEFAULT_LIMITS },
    ...overrides,
  };
}

/** The value after each occurrence of a flag. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1]!] : []));
}

function thrown(fn: () => unknown): ContainerRuntimeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContainerRuntimeError) return error;
    throw error;
  }
  throw new Error('expected a ContainerRuntimeError');
}

describe('buildRunArgs: the whole argument list with the defaults', () => {
  const common = [
    'run',
    '--interactive',
    '--rm',
    '--pull',
    'never',
    '--log-driver',
    'none',
    '--name',
    'codexec-run1',
    '--label',
    'codexec.instance=bridge-a',
    '--label',
    'codexec.managed=true',
    '--network',
    'none',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    '65534:65534',
    '--memory',
    '512m',
    '--memory-swap',
    '512m',
    '--pids-limit',
    '128',
    '--ulimit',
    'nofile=1024:1024',
    '--ulimit',
    'nproc=1024:1024',
  ];

  it('podman', () => {
    expect(buildRunArgs(spec(), { engine: 'podman' })).toEqual([
      ...common,
      '--tmpfs',
      '/tmp:rw,noexec,nosuid,nodev,size=64m,mode=1777',
      '--tmpfs',
      '/workspace:rw,noexec,nosuid,nodev,size=64m,mode=1777',
      '--workdir',
      '/workspace',
      '--http-proxy=false',
      '--read-only-tmpfs=false',
      '--image-volume',
      'ignore',
      '--unsetenv',
      'TERM',
      '--unsetenv',
      'container',
      IMAGE,
      'python3',
      '-u',
      '-c',
      'print(1)',
    ]);
  });

  it('docker', () => {
    expect(buildRunArgs(spec(), { engine: 'docker' })).toEqual([
      ...common,
      '--tmpfs',
      '/tmp:rw,noexec,nosuid,nodev,size=64m,mode=1777,uid=65534,gid=65534',
      '--tmpfs',
      '/workspace:rw,noexec,nosuid,nodev,size=64m,mode=1777,uid=65534,gid=65534',
      '--workdir',
      '/workspace',
      ...PROXY_VARIABLES.flatMap((name) => ['--env', name]),
      IMAGE,
      'python3',
      '-u',
      '-c',
      'print(1)',
    ]);
  });
});

describe.each<EngineName>(['podman', 'docker'])('buildRunArgs (%s)', (engine) => {
  const build = (overrides: Partial<ContainerSpec> = {}) => buildRunArgs(spec(overrides), { engine });

  it.each([
    [{ memory: '1g' }, '--memory', ['1g']],
    [{ memory: '1g' }, '--memory-swap', ['1g']],
    [{ pids: 64 }, '--pids-limit', ['64']],
    [{ user: '1000:1001' }, '--user', ['1000:1001']],
    [{ nofile: 256, nproc: 64 }, '--ulimit', ['nofile=256:256', 'nproc=64:64']],
    [{ cpus: '1.5' }, '--cpus', ['1.5']],
    [{ cpus: undefined }, '--cpus', []],
    [{ ociRuntime: 'runsc' }, '--runtime', ['runsc']],
    [{ ociRuntime: undefined }, '--runtime', []],
  ])('limits %j give %s %j', (limits, flag, expected) => {
    expect(values(build({ limits: { ...DEFAULT_LIMITS, ...limits } }), flag)).toEqual(expected);
  });

  it.each([
    [{ tmpSize: '16m' }, '/tmp:', 'size=16m'],
    [{ workspaceSize: '1g' }, '/workspace:', 'size=1g'],
  ])('limits %j size the tmpfs %s', (limits, mount, size) => {
    const tmpfs = values(build({ limits: { ...DEFAULT_LIMITS, ...limits } }), '--tmpfs');
    const entry = tmpfs.find((t) => t.startsWith(mount));
    expect(entry?.split(/[:,]/)).toContain(size);
  });

  it('mounts exactly two tmpfs, both noexec, nosuid, nodev, size-capped, and no host path', () => {
    const args = build();
    const tmpfs = values(args, '--tmpfs');
    expect(tmpfs.map((t) => t.split(':')[0])).toEqual(['/tmp', '/workspace']);
    for (const entry of tmpfs) {
      const opts = entry.split(':')[1]!.split(',');
      expect(opts).toEqual(expect.arrayContaining(['rw', 'noexec', 'nosuid', 'nodev']));
      expect(opts.some((o) => /^size=\d+[kmg]$/.test(o))).toBe(true);
    }
    for (const flag of [
      '--volume',
      '-v',
      '--mount',
      '--volumes-from',
      '--privileged',
      '--env-host',
      '--env-file',
    ]) {
      expect(args).not.toContain(flag);
    }
    expect(args.some((a) => a.startsWith('--env-host') || a.startsWith('--network=') || a === '--tty')).toBe(
      false,
    );
  });

  it('puts the image right after the options and the command after it, untouched', () => {
    const command = ['python3', '-c', '--rm --network host', '-v'];
    const args = build({ command });
    expect(args.slice(-command.length - 1)).toEqual([IMAGE, ...command]);
    expect(args.indexOf(IMAGE)).toBe(args.length - command.length - 1);
  });

  it('passes spec.env as KEY=VALUE, never a bare name that would copy the host value', () => {
    const args = build({ env: { PYTHONHASHSEED: '0', EMPTY: '', WITH_EQ: 'a=b c' } });
    const bare = (list: string[]) => list.filter((e) => !e.includes('='));
    expect(values(args, '--env').filter((e) => e.includes('='))).toEqual([
      'PYTHONHASHSEED=0',
      'EMPTY=',
      'WITH_EQ=a=b c',
    ]);
    // Bare names only for the proxy variables on docker (the adapter runs that client without them).
    expect(bare(values(args, '--env'))).toEqual(engine === 'docker' ? [...PROXY_VARIABLES] : []);
  });

  it.each([
    [{ env: { 'BAD-NAME': 'x' } }, 'spec.env key'],
    [{ env: { OK: 'nul\0' } }, 'spec.env.OK'],
    [{ name: '-rf' }, 'spec.name'],
    [{ name: 'codexec run' }, 'spec.name'],
    [{ image: '--privileged' }, 'spec.image'],
    [{ command: [] }, 'spec.command'],
    [{ workdir: 'relative' }, 'spec.workdir'],
    [{ workdir: '/a,b' }, 'spec.workdir'],
    [{ labels: { 'bad key': 'x' } }, 'spec.labels["bad key"]'],
    [{ labels: { ok: 'two\nlines' } }, 'spec.labels["ok"]'],
    [{ limits: { ...DEFAULT_LIMITS, memory: 'lots' } }, 'spec.limits.memory'],
    [{ limits: { ...DEFAULT_LIMITS, ociRuntime: '--privileged' } }, 'spec.limits.ociRuntime'],
  ])('%j is an INVALID_OPTIONS naming %s', (overrides, setting) => {
    const error = thrown(() => build(overrides as Partial<ContainerSpec>));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.setting).toBe(setting);
  });

  it('always labels the container as managed, on top of the spec labels', () => {
    const labels = values(build({ labels: { [LABEL_INSTANCE]: 'b', extra: 'x=y' } }), '--label');
    expect(labels).toEqual([`${LABEL_INSTANCE}=b`, 'extra=x=y', `${LABEL_MANAGED}=true`]);
  });

  it('uses another working directory when asked, still on a tmpfs', () => {
    const args = build({ workdir: '/work' });
    expect(values(args, '--workdir')).toEqual(['/work']);
    expect(values(args, '--tmpfs').map((t) => t.split(':')[0])).toEqual(['/tmp', '/work']);
    const inTmp = build({ workdir: '/tmp' });
    expect(values(inTmp, '--tmpfs').map((t) => t.split(':')[0])).toEqual(['/tmp']);
  });

  it('does not change its input', () => {
    const input = spec({ env: { A: '1' } });
    const copy = structuredClone(input);
    build(input);
    expect(input).toEqual(copy);
  });
});

describe('engine differences', () => {
  it('podman: no proxy variables, no /var/tmp and /run tmpfs, no image volumes, no TERM/container', () => {
    const args = buildRunArgs(spec(), { engine: 'podman' });
    expect(args).toEqual(expect.arrayContaining(['--http-proxy=false', '--read-only-tmpfs=false']));
    expect(values(args, '--image-volume')).toEqual(['ignore']);
    expect(values(args, '--unsetenv')).toEqual(['TERM', 'container']);
  });

  it('podman: a TERM the caller sets is kept', () => {
    const args = buildRunArgs(spec({ env: { TERM: 'dumb' } }), { engine: 'podman' });
    expect(values(args, '--unsetenv')).toEqual(['container']);
    expect(values(args, '--env')).toEqual(['TERM=dumb']);
  });

  it('docker: names every proxy variable so the CLI adds none from its config, unless spec.env sets it', () => {
    const args = buildRunArgs(spec({ env: { HTTP_PROXY: 'http://proxy:3128' } }), { engine: 'docker' });
    expect(values(args, '--env')).toEqual([
      ...PROXY_VARIABLES.filter((n) => n !== 'HTTP_PROXY'),
      'HTTP_PROXY=http://proxy:3128',
    ]);
    expect(PROXY_VARIABLES).toEqual(
      expect.arrayContaining(['HTTP_PROXY', 'http_proxy', 'no_proxy', 'ALL_PROXY']),
    );
  });

  it('docker: no podman-only flags', () => {
    const args = buildRunArgs(spec(), { engine: 'docker' });
    expect(args.some((a) => /http-proxy|read-only-tmpfs|image-volume|unsetenv/.test(a))).toBe(false);
  });

  it.each([
    ['65534:65534', ',uid=65534,gid=65534'],
    ['1000', ',uid=1000'],
    ['nobody', ''],
    ['nobody:nogroup', ''],
  ])('docker: user %s owns the tmpfs mounts with %j', (user, suffix) => {
    const args = buildRunArgs(spec({ limits: { ...DEFAULT_LIMITS, user } }), { engine: 'docker' });
    for (const entry of values(args, '--tmpfs')) expect(entry.endsWith(`mode=1777${suffix}`)).toBe(true);
  });

  it('rejects an unknown engine', () => {
    expect(thrown(() => buildRunArgs(spec(), { engine: 'lxc' as EngineName })).setting).toBe('engine');
  });

  it('podman: a channel is one preserved descriptor, and nothing without one', () => {
    expect(values(buildRunArgs(spec({ channel: true }), { engine: 'podman' }), '--preserve-fds')).toEqual([
      '1',
    ]);
    expect(buildRunArgs(spec(), { engine: 'podman' })).not.toContain('--preserve-fds');
  });

  it('docker: a channel is an INVALID_OPTIONS (its client cannot pass descriptors)', () => {
    expect(thrown(() => buildRunArgs(spec({ channel: true }), { engine: 'docker' })).setting).toBe(
      'spec.channel',
    );
  });
});

describe('names and labels', () => {
  it.each([
    ['abc', 'codexec-abc'],
    ['0f3a-77', 'codexec-0f3a-77'],
    ['run_1.2', 'codexec-run_1.2'],
  ])('containerName(%j) is %s', (id, name) => {
    expect(containerName(id)).toBe(name);
  });

  it.each(['', '-x', 'a b', 'a/b', 'ä'])('containerName(%j) is an INVALID_OPTIONS', (id) => {
    expect(thrown(() => containerName(id)).code).toBe('INVALID_OPTIONS');
  });

  it('labels a bridge instance', () => {
    expect(containerLabels('i-1')).toEqual({ 'codexec.instance': 'i-1', 'codexec.managed': 'true' });
    expect([LABEL_INSTANCE, LABEL_MANAGED]).toEqual(['codexec.instance', 'codexec.managed']);
  });
});
