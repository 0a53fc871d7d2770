/**
 * execa, loaded on the first engine command rather than with the package: it is a hundred-odd modules, and a program
 * that embeds this package (the bridge answering `initialize`) should not wait for them before it needs an engine.
 * `spawn` does without it (node:child_process), so `spawn()` stays synchronous.
 */
let loading: Promise<typeof import('execa')> | undefined;

export function loadExeca(): Promise<typeof import('execa')> {
  loading ??= import('execa');
  return loading;
}
