import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { BridgeError } from './errors.js';
import {
  type FlagValues,
  inBridgeTerms,
  maxTimeoutSeconds,
  resolveSettings,
  SETTINGS,
  type Settings,
} from './settings.js';

const base = { home: '/home/u', cwd: '/work' };

function resolve(env: Record<string, string> = {}, flags: FlagValues = {}): Settings {
  return resolveSettings({ ...base, env, flags });
}

function failure(env: Record<string, string>, flags: FlagValues = {}): BridgeError {
  try {
    resolve(env, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).code).toBe('INVALID_SETTING');
    return error as BridgeError;
  }
  throw new Error('expected the settings to be refused');
}

describe('parseDuration', () => {
  it.each([
    ['30', 30_000],
    ['30s', 30_000],
    ['2m', 120_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['1h', 3_600_000],
    [' 45S ', 45_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '0', '0s', '-5', '5 minutes', '1e3', '10d', 's'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it.each([
    [30_000, '30s'],
    [120_000, '2m'],
    [1500, '1500ms'],
    [7_200_000, '2h'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('resolveSettings', () => {
  it('has the original bridge defaults', () => {
    const s = resolve();
    expect(s).toMatchObject({
      runtime: 'auto',
      image: 'docker.io/library/python:3.12-slim',
      timeoutMs: 30_000,
      maxTimeoutMs: 120_000,
      idleTimeoutMs: 300_000,
      outputMode: 'toon',
      logLevel: 'info',
      http: false,
      httpHost: '127.0.0.1',
      allowSelfServer: false,
      serversConfig: [],
      home: '/home/u',
      cwd: '/work',
    });
    expect(s.memory).toBeUndefined();
    expect(maxTimeoutSeconds(s)).toBe(120);
  });

  it.each<[string, string, Partial<Settings>]>([
    ['MCP_BRIDGE_RUNTIME', 'podman', { runtime: 'podman' }],
    ['MCP_BRIDGE_RUNTIME', 'Docker', { runtime: 'Docker' }],
    ['MCP_BRIDGE_RUNTIME', '/opt/podman/bin/podman', { runtime: '/opt/podman/bin/podman' }],
    ['MCP_BRIDGE_IMAGE', 'localhost/codexec-python:bookworm', { image: 'localhost/codexec-python:bookworm' }],
    ['MCP_BRIDGE_TIMEOUT', '45', { timeoutMs: 45_000 }],
    ['MCP_BRIDGE_TIMEOUT', '500ms', { timeoutMs: 500 }],
    ['MCP_BRIDGE_MAX_TIMEOUT', '10m', { maxTimeoutMs: 600_000 }],
    ['MCP_BRIDGE_MEMORY', '1g', { memory: '1g' }],
    ['MCP_BRIDGE_PIDS', '64', { pids: 64 }],
    ['MCP_BRIDGE_CPUS', '1.5', { cpus: '1.5' }],
    ['MCP_BRIDGE_CONTAINER_USER', '1000:1000', { containerUser: '1000:1000' }],
    ['MCP_BRIDGE_OCI_RUNTIME', 'runsc', { ociRuntime: 'runsc' }],
    ['MCP_BRIDGE_RUNTIME_IDLE_TIMEOUT', '2m', { idleTimeoutMs: 120_000 }],
    ['MCP_BRIDGE_STATE_DIR', './.mcp-bridge', { stateDir: './.mcp-bridge' }],
    ['MCP_BRIDGE_OUTPUT_MODE', 'json', { outputMode: 'json' }],
    ['MCP_BRIDGE_MAX_OUTPUT_CHARS', '5000', { maxOutputChars: 5000 }],
    ['MCP_BRIDGE_LOG_LEVEL', 'debug', { logLevel: 'debug' }],
    ['MCP_BRIDGE_POOL_SIZE', '2', { poolSize: 2 }],
    ['MCP_BRIDGE_UPSTREAM_CONCURRENCY', '4', { upstreamConcurrency: 4 }],
    ['MCP_BRIDGE_DIRECT_CHANNEL', '1', { directChannel: true }],
    ['MCP_BRIDGE_ALLOW_SELF_SERVER', 'yes', { allowSelfServer: true }],
    ['MCP_BRIDGE_ALLOW_SELF_SERVER', '0', { allowSelfServer: false }],
    ['MCP_BRIDGE_SERVERS_CONFIG', '/a.json:/b/c.json', { serversConfig: ['/a.json', '/b/c.json'] }],
    ['MCP_BRIDGE_HTTP_HOST', 'localhost', { httpHost: 'localhost' }],
    ['MCP_BRIDGE_HTTP_PORT', '0', { httpPort: 0 }],
    ['MCP_BRIDGE_HTTP_TOKEN', 'abcdefghijklmnop', { httpToken: 'abcdefghijklmnop' }],
    ['MCP_BRIDGE_HTTP_ALLOWED_HOSTS', 'a.test, b.test', { httpAllowedHosts: ['a.test', 'b.test'] }],
    ['MCP_BRIDGE_HTTP_ALLOWED_ORIGINS', 'https://x.test', { httpAllowedOrigins: ['https://x.test'] }],
    ['MCP_BRIDGE_REQUIRE_LIMITS', '1', { requireLimits: 'on' }],
    ['MCP_BRIDGE_REQUIRE_LIMITS', 'true', { requireLimits: 'on' }],
    ['MCP_BRIDGE_REQUIRE_LIMITS', 'cgroup', { requireLimits: 'cgroup' }],
    ['MCP_BRIDGE_REQUIRE_LIMITS', 'CGROUPS', { requireLimits: 'cgroup' }],
    ['MCP_BRIDGE_REQUIRE_LIMITS', '0', { requireLimits: 'off' }],
    ['MCP_BRIDGE_NOFILE', '4096', { nofile: 4096 }],
    ['MCP_BRIDGE_NPROC', '256', { nproc: 256 }],
    ['MCP_BRIDGE_TMP_SIZE', '128M', { tmpSize: '128m' }],
    ['MCP_BRIDGE_WORKSPACE_SIZE', '1g', { workspaceSize: '1g' }],
    ['MCP_BRIDGE_MEMORY', '1G', { memory: '1g' }],
  ])('%s=%s', (variable, value, expected) => {
    expect(resolve({ [variable]: value })).toMatchObject(expected);
  });

  it('treats an empty variable as unset', () => {
    expect(resolve({ MCP_BRIDGE_TIMEOUT: '' }).timeoutMs).toBe(30_000);
  });

  it.each<[string, string, RegExp]>([
    ['MCP_BRIDGE_RUNTIME', 'lxc', /MCP_BRIDGE_RUNTIME=lxc.*podman, docker/],
    ['MCP_BRIDGE_TIMEOUT', 'soon', /MCP_BRIDGE_TIMEOUT=soon.*duration/],
    ['MCP_BRIDGE_TIMEOUT', '0', /MCP_BRIDGE_TIMEOUT=0/],
    ['MCP_BRIDGE_MAX_TIMEOUT', '-1', /MCP_BRIDGE_MAX_TIMEOUT=-1/],
    ['MCP_BRIDGE_MEMORY', 'lots', /MCP_BRIDGE_MEMORY=lots.*512m/],
    ['MCP_BRIDGE_PIDS', '12.5', /MCP_BRIDGE_PIDS=12.5.*whole number/],
    ['MCP_BRIDGE_PIDS', '0', /MCP_BRIDGE_PIDS=0/],
    ['MCP_BRIDGE_CPUS', '0', /MCP_BRIDGE_CPUS=0/],
    ['MCP_BRIDGE_CONTAINER_USER', 'root user', /MCP_BRIDGE_CONTAINER_USER/],
    ['MCP_BRIDGE_OCI_RUNTIME', 'run c', /MCP_BRIDGE_OCI_RUNTIME/],
    ['MCP_BRIDGE_OUTPUT_MODE', 'yaml', /MCP_BRIDGE_OUTPUT_MODE=yaml.*toon, compact, json/],
    ['MCP_BRIDGE_MAX_OUTPUT_CHARS', '10', /MCP_BRIDGE_MAX_OUTPUT_CHARS=10.*1000/],
    ['MCP_BRIDGE_LOG_LEVEL', 'loud', /MCP_BRIDGE_LOG_LEVEL=loud/],
    ['MCP_BRIDGE_POOL_SIZE', '99', /MCP_BRIDGE_POOL_SIZE=99/],
    ['MCP_BRIDGE_UPSTREAM_CONCURRENCY', '0', /MCP_BRIDGE_UPSTREAM_CONCURRENCY=0.*1 to 1024/],
    ['MCP_BRIDGE_ALLOW_SELF_SERVER', 'maybe', /MCP_BRIDGE_ALLOW_SELF_SERVER=maybe/],
    ['MCP_BRIDGE_HTTP_PORT', '70000', /MCP_BRIDGE_HTTP_PORT=70000/],
    ['MCP_BRIDGE_HTTP_TOKEN', 'short', /MCP_BRIDGE_HTTP_TOKEN=short.*16 characters/],
    ['MCP_BRIDGE_IMAGE', 'python 3', /MCP_BRIDGE_IMAGE/],
    [
      'MCP_BRIDGE_REQUIRE_LIMITS',
      'strict',
      /MCP_BRIDGE_REQUIRE_LIMITS=strict.*1 \(on\), 0 \(off\) or cgroup/,
    ],
  ])('%s=%s stops start-up naming the variable', (variable, value, message) => {
    expect(failure({ [variable]: value }).message).toMatch(message);
  });

  it('lets a flag win over its variable', () => {
    const s = resolve(
      { MCP_BRIDGE_TIMEOUT: '10', MCP_BRIDGE_IMAGE: 'from-env', MCP_BRIDGE_OUTPUT_MODE: 'json' },
      { timeout: '2m', image: 'from-flag' },
    );
    expect(s).toMatchObject({ timeoutMs: 120_000, image: 'from-flag', outputMode: 'json' });
  });

  it('names the flag when a flag is bad, even when the variable is fine', () => {
    const error = failure({ MCP_BRIDGE_TIMEOUT: '10' }, { timeout: 'never' });
    expect(error.message).toContain('--timeout never');
    expect(error.message).not.toContain('MCP_BRIDGE_TIMEOUT');
  });

  it('collects repeated list flags', () => {
    const s = resolve(
      {},
      { 'servers-config': ['/a.json', '/b.json'], 'allowed-host': ['a.test', 'b.test,c.test'] },
    );
    expect(s.serversConfig).toEqual(['/a.json', '/b.json']);
    expect(s.httpAllowedHosts).toEqual(['a.test', 'b.test', 'c.test']);
  });

  it('takes boolean flags without a value', () => {
    expect(resolve({}, { http: true, 'allow-self-server': true })).toMatchObject({
      http: true,
      allowSelfServer: true,
    });
  });

  it('lets --home and --cwd replace the caller defaults', () => {
    expect(resolve({}, { home: '/fixture/home', cwd: '/fixture/project' })).toMatchObject({
      home: '/fixture/home',
      cwd: '/fixture/project',
    });
  });

  it('refuses a default timeout above the maximum, naming both', () => {
    const error = failure({ MCP_BRIDGE_TIMEOUT: '200', MCP_BRIDGE_MAX_TIMEOUT: '100' });
    expect(error.message).toMatch(/MCP_BRIDGE_TIMEOUT \(200s\).*MCP_BRIDGE_MAX_TIMEOUT \(100s\)/);
    expect(failure({ MCP_BRIDGE_MAX_TIMEOUT: '10' }, { timeout: '20' }).message).toContain('--timeout');
  });

  it('refuses a maximum timeout under one second', () => {
    expect(failure({ MCP_BRIDGE_MAX_TIMEOUT: '500ms', MCP_BRIDGE_TIMEOUT: '100ms' }).message).toMatch(
      /below one second/,
    );
  });

  it('refuses HTTP on a non-loopback address without a token', () => {
    expect(failure({}, { http: true, host: '0.0.0.0' }).message).toMatch(
      /0\.0\.0\.0.*MCP_BRIDGE_HTTP_TOKEN or --token/,
    );
    expect(
      resolve({ MCP_BRIDGE_HTTP_TOKEN: 'x'.repeat(32) }, { http: true, host: '0.0.0.0' }).httpToken,
    ).toBe('x'.repeat(32));
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
      expect(resolve({}, { http: true, host }).httpToken).toBeUndefined();
    }
  });

  it('has every original MCP_BRIDGE_* variable', () => {
    const names = SETTINGS.map((s) => s.env);
    for (const v of [
      'MCP_BRIDGE_RUNTIME',
      'MCP_BRIDGE_IMAGE',
      'MCP_BRIDGE_TIMEOUT',
      'MCP_BRIDGE_MAX_TIMEOUT',
      'MCP_BRIDGE_MEMORY',
      'MCP_BRIDGE_PIDS',
      'MCP_BRIDGE_CPUS',
      'MCP_BRIDGE_CONTAINER_USER',
      'MCP_BRIDGE_RUNTIME_IDLE_TIMEOUT',
      'MCP_BRIDGE_STATE_DIR',
    ]) {
      expect(names).toContain(v);
    }
  });
});

describe('one table', () => {
  it('gives each default in the form its help text shows', () => {
    const defaults = resolveSettings({ ...base, env: {} });
    for (const s of SETTINGS) {
      // Shown as words (`-`, `off`, `engine default`) rather than a value: nothing to parse.
      if (s.default === undefined || !/^[\w.:/]+$/.test(s.shown) || s.shown === 'off') continue;
      expect([s.key, s.parse(s.shown)]).toEqual([s.key, s.default]);
      expect([s.key, defaults[s.key]]).toEqual([s.key, s.default]);
    }
  });

  it('checks a container limit once, with the container runtime package’s own rules, naming the flag', () => {
    const error = failure({}, { memory: '2m' });
    expect(error.message).toBe(
      'Invalid setting --memory 2m: expected a size of at least 6m such as 512m or 1g.',
    );
  });

  it('says the libraries’ option names as the variables that set them', () => {
    expect(inBridgeTerms('raise `limits.memory`, or set the `image` to one that is there')).toBe(
      'raise MCP_BRIDGE_MEMORY, or set the MCP_BRIDGE_IMAGE to one that is there',
    );
    expect(inBridgeTerms('raise `sessions.max`; `requireLimits`; `runtime`')).toBe(
      'raise MCP_BRIDGE_MAX_SESSIONS; MCP_BRIDGE_REQUIRE_LIMITS; MCP_BRIDGE_RUNTIME',
    );
    expect(inBridgeTerms('`limits.unknown` stays')).toBe('`limits.unknown` stays');
  });
});
