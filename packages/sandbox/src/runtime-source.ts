import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxError } from './errors.js';

/**
 * The container's command: read a length line, then that many bytes of Python, and run them. The runtime itself
 * arrives over stdin, so no host directory is shared with the container.
 */
export const BOOTSTRAP_SOURCE =
  "import sys;n=int(sys.stdin.buffer.readline());exec(compile(sys.stdin.buffer.read(n),'<codexec-runtime>','exec'))";

export function runtimeCommand(python = 'python3'): string[] {
  return [python, '-X', 'utf8', '-u', '-c', BOOTSTRAP_SOURCE];
}

const PACKAGE = 'codexec_runtime';
const LOADER_FILE = '_loader.py';

/**
 * What the bootstrap reads, from the package's files: `<length>\n` and then the loader (`_loader.py`) followed by
 * `_codexec_boot({module: source, ...})`. A JSON object of strings is also a Python dict literal. Pure.
 * The Python tests pack the same way (python/tests/harness.py).
 */
export function packRuntime(files: ReadonlyMap<string, string>): Buffer {
  const loader = files.get(LOADER_FILE);
  if (loader === undefined) throw new Error(`${LOADER_FILE} is missing from the runtime files`);
  const sources: Record<string, string> = {};
  for (const name of [...files.keys()].sort()) {
    if (!name.endsWith('.py') || name === LOADER_FILE) continue;
    const module = name === '__init__.py' ? PACKAGE : `${PACKAGE}.${name.slice(0, -3)}`;
    sources[module] = files.get(name)!;
  }
  const body = Buffer.from(`${loader}\n_codexec_boot(${JSON.stringify(sources)})\n`, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

/** The runtime's directory: `../python/codexec_runtime` from this module, in src and in dist alike. */
export function runtimeSourceDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'python', PACKAGE);
}

let cached: Buffer | undefined;

/** The packed runtime, read once per process. */
export function loadRuntimeBlob(): Buffer {
  if (cached) return cached;
  const dir = runtimeSourceDir();
  const files = new Map<string, string>();
  try {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.py')) files.set(name, readFileSync(join(dir, name), 'utf8'));
    }
    cached = packRuntime(files);
  } catch (cause) {
    throw new SandboxError(
      'RUNTIME_SOURCE_MISSING',
      `The sandbox's Python runtime could not be read from ${dir}: reinstall @codexec/sandbox ` +
        '(its python/codexec_runtime folder must ship with it)',
      { cause },
    );
  }
  return cached;
}
