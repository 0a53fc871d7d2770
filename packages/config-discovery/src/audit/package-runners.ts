/** A package runner that fetches and starts a package at launch (`npx`, `uvx`, `pipx run`, …). */
export interface RunnerInvocation {
  /** How it was invoked, e.g. `npx`, `pnpm dlx`, `uvx`. */
  runner: string;
  /** The package specs it fetches (empty when none could be found). */
  packages: string[];
  ecosystem: 'npm' | 'python';
  /** `-y` / `--yes` when given: installs without asking. */
  autoInstallFlag?: string;
}

interface RunnerSpec {
  runner: string;
  ecosystem: 'npm' | 'python';
  /** Flags whose next argument is a package spec. */
  packageFlags: string[];
  /** Other flags that take a value. */
  valueFlags: string[];
  autoInstall: boolean;
}

const NPX: Omit<RunnerSpec, 'runner'> = {
  ecosystem: 'npm',
  packageFlags: ['-p', '--package'],
  valueFlags: ['-c', '--call', '--cache', '--registry', '--userconfig', '-w', '--workspace'],
  autoInstall: true,
};
const DLX: Omit<RunnerSpec, 'runner'> = {
  ecosystem: 'npm',
  packageFlags: ['-p', '--package'],
  valueFlags: ['-c', '--dir', '-C', '--registry'],
  autoInstall: false,
};
const UVX: Omit<RunnerSpec, 'runner'> = {
  ecosystem: 'python',
  packageFlags: ['--from'],
  valueFlags: [
    '--with',
    '--with-requirements',
    '--python',
    '-p',
    '--index',
    '--index-url',
    '--extra-index-url',
    '-i',
    '--default-index',
    '--directory',
    '--constraints',
    '-c',
    '--overrides',
  ],
  autoInstall: false,
};
const PIPX: Omit<RunnerSpec, 'runner'> = {
  ecosystem: 'python',
  packageFlags: ['--spec'],
  valueFlags: ['--python', '--index-url', '-i', '--pip-args', '--suffix'],
  autoInstall: false,
};

function commandName(command: string): string {
  const last = command.split(/[/\\]/).pop() ?? command;
  return last.replace(/\.(exe|cmd|bat|ps1)$/i, '').toLowerCase();
}

/** Recognises the runner and where its own arguments start. */
function identify(
  command: string,
  args: readonly string[],
): { spec: RunnerSpec; rest: readonly string[] } | undefined {
  const name = commandName(command);
  const [first, second] = args;
  if (name === 'npx') return { spec: { runner: 'npx', ...NPX }, rest: args };
  if (name === 'npm' && (first === 'exec' || first === 'x'))
    return { spec: { runner: `npm ${first}`, ...NPX }, rest: args.slice(1) };
  if (name === 'bunx') return { spec: { runner: 'bunx', ...DLX }, rest: args };
  if (name === 'bun' && first === 'x') return { spec: { runner: 'bun x', ...DLX }, rest: args.slice(1) };
  if (name === 'pnpx') return { spec: { runner: 'pnpx', ...DLX }, rest: args };
  if (name === 'pnpm' && first === 'dlx')
    return { spec: { runner: 'pnpm dlx', ...DLX }, rest: args.slice(1) };
  if (name === 'yarn' && first === 'dlx')
    return { spec: { runner: 'yarn dlx', ...DLX }, rest: args.slice(1) };
  if (name === 'uvx') return { spec: { runner: 'uvx', ...UVX }, rest: args };
  if (name === 'uv' && first === 'tool' && second === 'run')
    return { spec: { runner: 'uv tool run', ...UVX }, rest: args.slice(2) };
  if (name === 'pipx' && first === 'run')
    return { spec: { runner: 'pipx run', ...PIPX }, rest: args.slice(1) };
  return undefined;
}

/** Reads a runner command line: which packages it fetches and whether it auto-installs. Pure. */
export function parseRunnerInvocation(
  command: string,
  args: readonly string[],
): RunnerInvocation | undefined {
  const found = identify(command, args);
  if (!found) return undefined;
  const { spec, rest } = found;
  const packages: string[] = [];
  let autoInstallFlag: string | undefined;
  let positional: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--') {
      positional ??= rest[i + 1];
      break;
    }
    if (spec.autoInstall && (arg === '-y' || arg === '--yes')) {
      autoInstallFlag = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('-') && eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.packageFlags.includes(flag)) {
      const value = eq > 0 && flag !== arg ? arg.slice(eq + 1) : rest[++i];
      if (value !== undefined) packages.push(value);
      continue;
    }
    if (spec.valueFlags.includes(flag)) {
      if (flag === arg) i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    positional = arg;
    break;
  }
  // With --package/--from/--spec the positional argument is the command to run, not a package.
  if (packages.length === 0 && positional !== undefined) packages.push(positional);
  return {
    runner: spec.runner,
    ecosystem: spec.ecosystem,
    packages,
    ...(autoInstallFlag ? { autoInstallFlag } : {}),
  };
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
// PEP 440 release numbers may have any number of parts and pre/post/dev suffixes.
const EXACT_PYTHON_VERSION = /^\d+(?:\.\d+)*(?:[.+-]?[A-Za-z0-9]+)*$/;

/** Local paths, URLs and git specs are not fetched from a registry by name: pinning does not apply. */
function isRegistrySpec(spec: string): boolean {
  return (
    !/^(?:\.{0,2}[/\\]|[A-Za-z]:[\\/]|file:|https?:|git\+|git:|github:|[\w.-]+\/[\w.-]+#)/.test(spec) &&
    !spec.endsWith('.tgz')
  );
}

/** Whether a package spec names one exact version (`pkg@1.2.3`, `@scope/pkg@1.2.3`, `pkg==1.2.3`). Pure. */
export function isPinnedSpec(spec: string, ecosystem: 'npm' | 'python'): boolean {
  if (!isRegistrySpec(spec)) return true;
  if (ecosystem === 'python') {
    const exact = /^[A-Za-z0-9._-]+(?:\[[^\]]*\])?(?:==|===|@)\s*([^,;\s]+)$/.exec(spec);
    return exact?.[1] !== undefined && EXACT_PYTHON_VERSION.test(exact[1]);
  }
  const at = spec.lastIndexOf('@');
  if (at <= 0) return false;
  return EXACT_VERSION.test(spec.slice(at + 1));
}
