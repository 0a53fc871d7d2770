// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config variable syntax, not templates
import { describe, expect, it } from 'vitest';
import {
  containsVariableReference,
  type ExpansionScope,
  type ExpansionSyntax,
  expandString,
} from './expand.js';

const scope: ExpansionScope = {
  env: { TOKEN: 't0k', EMPTY: '', HOME_DIR: '/h' },
  platform: 'linux',
  cwd: '/work/app',
  home: '/home/me',
  inputs: { 'api-key': 'from-input' },
  readFile: (path) => (path === '/work/app/secret.txt' ? 'file-secret\n' : undefined),
};

const cases: [ExpansionSyntax, string, string, string[]][] = [
  ['claude', 'Bearer ${TOKEN}', 'Bearer t0k', []],
  ['claude', '${MISSING:-fallback}/x', 'fallback/x', []],
  ['claude', '${TOKEN:-fallback}', 't0k', []],
  ['claude', '${EMPTY:-was-empty}', 'was-empty', []],
  ['claude', '${MISSING}', '${MISSING}', ['missing-variable']],
  ['claude', '$TOKEN stays', '$TOKEN stays', []],
  ['claude', '${env:TOKEN}', '${env:TOKEN}', []],
  ['gemini', '$TOKEN and ${TOKEN}', 't0k and t0k', []],
  ['gemini', '$MISSING', '$MISSING', ['missing-variable']],
  ['vscode', '${env:TOKEN}', 't0k', []],
  ['vscode', '${env:MISSING}x', 'x', ['missing-variable']],
  ['vscode', '${workspaceFolder}/a:${workspaceFolderBasename}', '/work/app/a:app', []],
  ['vscode', '${userHome}${pathSeparator}x${/}y', '/home/me/x/y', []],
  ['vscode', '${input:api-key}', 'from-input', []],
  ['vscode', '${input:other}', '${input:other}', ['missing-input']],
  ['vscode', '${command:pick}', '${command:pick}', ['unsupported-variable']],
  ['cursor', '${env:TOKEN}@${userHome}', 't0k@/home/me', []],
  ['cursor', '${input:api-key}', '${input:api-key}', ['unsupported-variable']],
  ['env-prefixed', 'Bearer ${env:TOKEN}', 'Bearer t0k', []],
  ['env-prefixed', '${file:/x}', '${file:/x}', ['unsupported-variable']],
  ['opencode', '{env:TOKEN}', 't0k', []],
  ['opencode', '{env:MISSING}', '', ['missing-variable']],
  ['opencode', '{file:secret.txt}', 'file-secret', []],
  ['opencode', '{file:nope.txt}', '{file:nope.txt}', ['unsupported-variable']],
  ['none', '${TOKEN} {env:TOKEN}', '${TOKEN} {env:TOKEN}', []],
];

describe('expandString', () => {
  for (const [syntax, input, output, problems] of cases) {
    it(`${syntax}: ${input}`, () => {
      const result = expandString(input, syntax, scope);
      expect(result.value).toBe(output);
      expect(result.problems.map((p) => p.code)).toEqual(problems);
    });
  }

  it('looks variables up case-insensitively on Windows only', () => {
    const env = { Path: 'C:\\bin' };
    expect(expandString('${PATH}', 'claude', { ...scope, env, platform: 'win32' }).value).toBe('C:\\bin');
    expect(expandString('${PATH}', 'claude', { ...scope, env, platform: 'linux' }).value).toBe('${PATH}');
    expect(expandString('${pathSeparator}', 'vscode', { ...scope, platform: 'win32' }).value).toBe('\\');
  });
});

describe('containsVariableReference', () => {
  it.each([
    ['${TOKEN}', true],
    ['$TOKEN', true],
    ['{env:TOKEN}', true],
    ['%TOKEN%', true],
    ['plain-value', false],
    ['cost: 5$', false],
  ])('%s -> %s', (text, expected) => {
    expect(containsVariableReference(text)).toBe(expected);
  });
});
