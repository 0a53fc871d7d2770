import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { Finding } from './findings.js';
import { formatFindingsTable } from './format-table.js';
import { fileUri, toSarif } from './sarif.js';

// Both are CommonJS modules whose class/function is the `default` export.
const Ajv = AjvDraft04.default;
const addFormats = ajvFormats.default;
const require = createRequire(import.meta.url);
// The official SARIF 2.1.0 schema (draft-04), as shipped by @microsoft/jest-sarif.
const schema = JSON.parse(
  readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
);
// The schema's language pattern is not valid as a unicode regular expression.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const findings: Finding[] = [
  {
    ruleId: 'secret-in-config',
    severity: 'high',
    message: 'server "gh" has a GitHub token in plain text in env GITHUB_TOKEN (ghp_… (40 chars))',
    location: {
      file: '/home/me/my project/.mcp.json',
      path: ['mcpServers', 'gh', 'env', 'GITHUB_TOKEN'],
      line: 4,
    },
    hint: 'Replace it with a variable reference.',
    server: 'gh',
    client: 'claude-code',
  },
  {
    ruleId: 'unpinned-package',
    severity: 'medium',
    message: 'server "fs" runs npx pkg without a pinned version',
    location: { file: 'C:\\Users\\me\\.cursor\\mcp.json', path: ['mcpServers', 'fs', 'args'] },
    hint: 'Pin it.',
    server: 'fs',
  },
  {
    ruleId: 'unreadable-config-file',
    severity: 'low',
    message: 'x could not be read',
    location: { file: '$MCP_SERVERS_CONFIG', path: [] },
    hint: 'Fix it.',
  },
];

describe('toSarif', () => {
  it('produces a log that validates against the SARIF 2.1.0 schema', () => {
    const log = toSarif(findings, { toolVersion: '1.2.3' });
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('an empty log also validates, and a broken one does not (the check can fail)', () => {
    expect(validate(toSarif([], { toolVersion: '0.0.0' }))).toBe(true);
    const broken = toSarif(findings, { toolVersion: '1.0.0' }) as unknown as {
      runs: { results: { level: string }[] }[];
    };
    broken.runs[0]!.results[0]!.level = 'critical';
    expect(validate(broken)).toBe(false);
  });

  it('lists every rule, maps severities to levels and keeps locations', () => {
    const log = toSarif(findings, { toolVersion: '1.2.3', toolName: 'my-auditor' });
    const run = log.runs[0]!;
    expect(run.tool.driver).toMatchObject({ name: 'my-auditor', version: '1.2.3' });
    expect(run.tool.driver.rules.map((r) => r.id)).toContain('secret-in-config');
    expect(run.results.map((r) => r.level)).toEqual(['error', 'warning', 'note']);
    expect(run.results.map((r) => run.tool.driver.rules[r.ruleIndex]!.id)).toEqual(
      findings.map((f) => f.ruleId),
    );
    expect(run.results[0]!.locations[0]).toEqual({
      physicalLocation: {
        artifactLocation: { uri: 'file:///home/me/my%20project/.mcp.json' },
        region: { startLine: 4 },
      },
      logicalLocations: [{ fullyQualifiedName: 'mcpServers/gh/env/GITHUB_TOKEN', kind: 'object' }],
    });
    expect(run.results[1]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(
      'file:///C:/Users/me/.cursor/mcp.json',
    );
  });
});

describe('fileUri', () => {
  it.each([
    ['/a/b c/d.json', 'file:///a/b%20c/d.json'],
    ['C:\\Users\\me\\x.json', 'file:///C:/Users/me/x.json'],
    ['\\\\server\\share\\x.json', 'file://server/share/x.json'],
    ['$MCP_SERVERS_CONFIG', '%24MCP_SERVERS_CONFIG'],
  ])('%s -> %s', (file, uri) => expect(fileUri(file)).toBe(uri));
});

describe('formatFindingsTable', () => {
  it('shows one block per finding with its fix, and a summary', () => {
    const table = formatFindingsTable(findings);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+RULE\s+SERVER\s+LOCATION$/);
    expect(table).toContain('HIGH      secret-in-config');
    expect(table).toContain('/home/me/my project/.mcp.json:4 (mcpServers > gh > env > GITHUB_TOKEN)');
    expect(table).toContain('fix: Pin it.');
    expect(table.trimEnd().split('\n').at(-1)).toBe('3 findings: 1 high, 1 medium, 1 low');
    expect(formatFindingsTable([])).toBe('No findings.\n');
  });
});
