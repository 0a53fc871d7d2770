import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_SOURCE, loadRuntimeBlob, packRuntime, runtimeCommand } from './runtime-source.js';

describe('packRuntime', () => {
  it('prefixes the length and appends a boot call with the module table', () => {
    const blob = packRuntime(
      new Map([
        ['_loader.py', 'def _codexec_boot(t): pass'],
        ['__init__.py', 'X = "é"'],
        ['main.py', 'print(1)\n'],
        ['notes.txt', 'ignored'],
      ]),
    );
    const text = blob.toString('utf8');
    const newline = text.indexOf('\n');
    const body = blob.subarray(Buffer.byteLength(text.slice(0, newline + 1)));
    expect(Number(text.slice(0, newline))).toBe(body.length);
    expect(body.toString('utf8')).toBe(
      'def _codexec_boot(t): pass\n_codexec_boot({"codexec_runtime":"X = \\"é\\"","codexec_runtime.main":"print(1)\\n"})\n',
    );
  });

  it('refuses files without the loader', () => {
    expect(() => packRuntime(new Map([['main.py', '']]))).toThrow(/_loader\.py/);
  });
});

describe('loadRuntimeBlob', () => {
  it('packs the real runtime package', () => {
    const text = loadRuntimeBlob().toString('utf8');
    expect(text).toContain('codexec_runtime.main');
    expect(text).toContain('codexec_runtime.api');
    expect(text).not.toContain('"codexec_runtime._loader"');
    expect(loadRuntimeBlob()).toBe(loadRuntimeBlob());
  });

  it('the command runs the bootstrap with UTF-8 mode and unbuffered stdio', () => {
    expect(runtimeCommand()).toEqual(['python3', '-X', 'utf8', '-u', '-c', BOOTSTRAP_SOURCE]);
  });
});
