import type { Diagnostic } from './diagnostics.js';
import { type Env, getEnv, pathApi } from './platform-paths.js';

/**
 * The variable syntaxes clients expand in their own configs:
 * - `claude`: `${VAR}` and `${VAR:-default}`; an unset variable without default stays as written.
 * - `vscode`: `${env:VAR}` (unset -> empty), `${input:id}`, `${workspaceFolder}`, `${workspaceFolderBasename}`,
 *   `${userHome}`, `${cwd}`, `${pathSeparator}`, `${/}`.
 * - `cursor`: as `vscode` without `${input:…}` and `${cwd}`.
 * - `env-prefixed`: `${env:VAR}` only (Windsurf, Roo Code); unset -> empty.
 * - `gemini`: `$VAR` and `${VAR}`; an unset variable stays as written.
 * - `opencode`: `{env:VAR}` (unset -> empty) and `{file:path}`.
 * - `none`: the client expands nothing; values are used as written.
 */
export type ExpansionSyntax =
  | 'claude'
  | 'vscode'
  | 'cursor'
  | 'env-prefixed'
  | 'gemini'
  | 'opencode'
  | 'none';

export interface ExpansionScope {
  env: Env;
  platform: NodeJS.Platform;
  cwd: string;
  home: string;
  inputs?: Readonly<Record<string, string>>;
  /** Reads a file for OpenCode's `{file:path}`; without it such references are left as written. */
  readFile?: (path: string) => string | undefined;
}

export interface ExpansionProblem {
  code: Diagnostic['code'];
  message: string;
}

export interface Expanded {
  value: string;
  problems: ExpansionProblem[];
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';

function lookup(scope: ExpansionScope, name: string): string | undefined {
  return getEnv(scope.env, name, scope.platform);
}

function missing(name: string, fallback: string): ExpansionProblem {
  return {
    code: 'missing-variable',
    message: `environment variable ${name} is not set (${fallback}); set it before starting the server`,
  };
}

function vscodeLike(text: string, scope: ExpansionScope, withInputs: boolean): Expanded {
  const problems: ExpansionProblem[] = [];
  const p = pathApi(scope.platform);
  const value = text.replace(/\$\{([^}]+)\}/g, (whole, body: string) => {
    if (body.startsWith('env:')) {
      const name = body.slice(4);
      const found = lookup(scope, name);
      if (found === undefined) problems.push(missing(name, 'expanded to an empty string'));
      return found ?? '';
    }
    if (withInputs && body.startsWith('input:')) {
      const id = body.slice(6);
      const found = scope.inputs?.[id];
      if (found === undefined) {
        problems.push({
          code: 'missing-input',
          message: `input "${id}" has no value; pass it in the inputs option (the editor would prompt for it)`,
        });
        return whole;
      }
      return found;
    }
    switch (body) {
      case 'workspaceFolder':
        return scope.cwd;
      case 'workspaceFolderBasename':
        return p.basename(scope.cwd);
      case 'userHome':
        return scope.home;
      case 'pathSeparator':
      case '/':
        return p.sep;
      case 'cwd':
        if (withInputs) return scope.cwd;
        break;
    }
    problems.push({
      code: 'unsupported-variable',
      message: `variable \${${body}} is not supported here and was left as written`,
    });
    return whole;
  });
  return { value, problems };
}

/** Expands one string with a client's syntax. Pure: the environment and inputs come from `scope`. */
export function expandString(text: string, syntax: ExpansionSyntax, scope: ExpansionScope): Expanded {
  const problems: ExpansionProblem[] = [];
  switch (syntax) {
    case 'none':
      return { value: text, problems };
    case 'claude': {
      const value = text.replace(
        new RegExp(`\\$\\{(${NAME})(?::-([^}]*))?\\}`, 'g'),
        (whole, name: string, fallback: string | undefined) => {
          const found = lookup(scope, name);
          if (found !== undefined) return found;
          if (fallback !== undefined) return fallback;
          problems.push(missing(name, 'left as written'));
          return whole;
        },
      );
      return { value, problems };
    }
    case 'gemini': {
      const value = text.replace(
        new RegExp(`\\$\\{(${NAME})\\}|\\$(${NAME})`, 'g'),
        (whole, braced: string | undefined, bare: string | undefined) => {
          const name = (braced ?? bare) as string;
          const found = lookup(scope, name);
          if (found !== undefined) return found;
          problems.push(missing(name, 'left as written'));
          return whole;
        },
      );
      return { value, problems };
    }
    case 'env-prefixed': {
      const value = text.replace(/\$\{(env|file):([^}]+)\}/g, (whole, kind: string, name: string) => {
        if (kind === 'file') {
          problems.push({
            code: 'unsupported-variable',
            message: `\${file:${name}} is not expanded by this package and was left as written`,
          });
          return whole;
        }
        const found = lookup(scope, name);
        if (found === undefined) problems.push(missing(name, 'expanded to an empty string'));
        return found ?? '';
      });
      return { value, problems };
    }
    case 'opencode': {
      const value = text.replace(/\{(env|file):([^}]+)\}/g, (whole, kind: string, ref: string) => {
        if (kind === 'env') {
          const found = lookup(scope, ref);
          if (found === undefined) problems.push(missing(ref, 'expanded to an empty string'));
          return found ?? '';
        }
        const p = pathApi(scope.platform);
        const target = ref.startsWith('~/') ? p.join(scope.home, ref.slice(2)) : p.resolve(scope.cwd, ref);
        const content = scope.readFile?.(target);
        if (content === undefined) {
          problems.push({
            code: 'unsupported-variable',
            message: `{file:${ref}} could not be read (${target}); it was left as written`,
          });
          return whole;
        }
        return content.trim();
      });
      return { value, problems };
    }
    case 'vscode':
      return vscodeLike(text, scope, true);
    case 'cursor':
      return vscodeLike(text, scope, false);
  }
}

/** True when the text refers to a variable in any client's syntax (such values are not secrets in the file). */
export function containsVariableReference(text: string): boolean {
  return /\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|\{(?:env|file):[^}]+\}|%[A-Za-z_][A-Za-z0-9_]*%/.test(text);
}
