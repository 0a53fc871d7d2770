import { AUDIT_RULES, type Finding, type FindingSeverity } from './findings.js';

export interface SarifOptions {
  toolVersion: string;
  toolName?: string;
  informationUri?: string;
}

/** The subset of SARIF 2.1.0 this package writes. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export interface SarifRun {
  tool: {
    driver: {
      name: string;
      version: string;
      semanticVersion: string;
      informationUri: string;
      rules: {
        id: string;
        name: string;
        shortDescription: { text: string };
        fullDescription: { text: string };
        help: { text: string };
        defaultConfiguration: { level: SarifLevel };
        properties: { 'security-severity': string; tags: string[] };
      }[];
    };
  };
  results: {
    ruleId: string;
    ruleIndex: number;
    level: SarifLevel;
    message: { text: string };
    locations: {
      physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } };
      logicalLocations?: { fullyQualifiedName: string; kind: string }[];
    }[];
    partialFingerprints: Record<string, string>;
    properties: { severity: FindingSeverity; hint: string; server?: string; client?: string };
  }[];
  columnKind: 'utf16CodeUnits';
}

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

const LEVEL: Record<FindingSeverity, SarifLevel> = {
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
// Code-scanning tools rank security results by this 0-10 score.
const SECURITY_SEVERITY: Record<FindingSeverity, string> = {
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/** A file path as a `file:` URI, for POSIX (`/a/b`) and Windows (`C:\a\b`, `\\server\share`) paths alike,
 * whatever the host. Anything else (an inline-config label) is returned percent-encoded as a relative URI. */
export function fileUri(file: string): string {
  const encode = (segments: string[]) => segments.map((s) => encodeURIComponent(s)).join('/');
  if (/^[A-Za-z]:[\\/]/.test(file)) {
    const [drive, ...rest] = file.split(/[\\/]/);
    return `file:///${drive}/${encode(rest)}`;
  }
  if (file.startsWith('\\\\')) {
    const [host, ...rest] = file.slice(2).split('\\');
    return `file://${host}/${encode(rest)}`;
  }
  if (file.startsWith('/')) return `file://${encode(file.split('/'))}`;
  return encode(file.split(/[\\/]/));
}

function hash(text: string): string {
  // FNV-1a, enough to tell findings apart across runs without depending on node:crypto in a pure module.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Findings as a SARIF 2.1.0 log (one run) that code-scanning tools accept. */
export function toSarif(findings: readonly Finding[], options: SarifOptions): SarifLog {
  const rules = AUDIT_RULES.map((rule) => ({
    id: rule.id,
    name: rule.name,
    shortDescription: { text: rule.summary },
    fullDescription: { text: `${rule.summary}.` },
    help: { text: rule.help },
    defaultConfiguration: { level: LEVEL[rule.defaultSeverity] },
    properties: { 'security-severity': SECURITY_SEVERITY[rule.defaultSeverity], tags: ['security', 'mcp'] },
  }));
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: options.toolName ?? 'code-exec-bridge audit',
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            informationUri: options.informationUri ?? 'https://modelcontextprotocol.io/',
            rules,
          },
        },
        results: findings.map((finding) => {
          const path = finding.location.path.join('/');
          return {
            ruleId: finding.ruleId,
            ruleIndex: index.get(finding.ruleId) ?? 0,
            level: LEVEL[finding.severity],
            message: { text: `${finding.message}. Fix: ${finding.hint}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: fileUri(finding.location.file) },
                  ...(finding.location.line !== undefined
                    ? { region: { startLine: finding.location.line } }
                    : {}),
                },
                ...(path !== '' ? { logicalLocations: [{ fullyQualifiedName: path, kind: 'object' }] } : {}),
              },
            ],
            partialFingerprints: {
              'findingHash/v1': hash(`${finding.ruleId}\u0000${finding.location.file}\u0000${path}`),
            },
            properties: {
              severity: finding.severity,
              hint: finding.hint,
              ...(finding.server !== undefined ? { server: finding.server } : {}),
              ...(finding.client !== undefined ? { client: finding.client } : {}),
            },
          };
        }),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
