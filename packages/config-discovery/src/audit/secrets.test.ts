// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config variable syntax, not templates
import { describe, expect, it } from 'vitest';
import { findSecret, findUrlSecret, redactSecret, shannonEntropy } from './secrets.js';

// Token-shaped test values are assembled at run time so no credential-looking literal sits in the repository.
const random = 'q7Zt2LmX9vBw4KpR8sYd3NfH6jGc1TaE5uWo0iVe';
const tokens = {
  github: `ghp_${random.slice(0, 36)}`,
  githubPat: `github_pat_${random}${random.slice(0, 20)}`,
  openai: `sk-proj-${random}`,
  anthropic: `sk-ant-api03-${random}`,
  aws: `AKIA${'IOSFODNN7EXAMPLQ'}`,
  slack: `xoxb-${'1234567890'}-${random.slice(0, 24)}`,
  google: `AIza${random.slice(0, 35)}`,
  jwt: `eyJ${random.slice(0, 18)}.eyJ${random.slice(5, 30)}.${random.slice(3, 33)}`,
  privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${random}\n-----END OPENSSH PRIVATE KEY-----`,
};

describe('findSecret', () => {
  it.each([
    ['GitHub token', tokens.github],
    ['GitHub fine-grained token', tokens.githubPat],
    ['OpenAI API key', tokens.openai],
    ['Anthropic API key', tokens.anthropic],
    ['AWS access key id', tokens.aws],
    ['Slack token', tokens.slack],
    ['Google API key', tokens.google],
    ['JSON Web Token', tokens.jwt],
    ['private key', tokens.privateKey],
  ])('recognises a %s by its shape', (kind, value) => {
    expect(findSecret(value)).toMatchObject({ kind, evidence: 'shape' });
    expect(findSecret(`prefix ${value.split('\n')[0]} suffix`)?.kind).toBe(kind);
  });

  it('finds a literal bearer token in a header value', () => {
    expect(findSecret('Bearer abcdefgh12345678', 'Authorization')).toMatchObject({ evidence: 'bearer' });
    expect(findSecret('Bearer ${API_TOKEN}', 'Authorization')).toBeUndefined();
    expect(findSecret('Bearer <your-token>', 'Authorization')).toBeUndefined();
  });

  it('finds high-entropy strings, with a lower bar where the name says secret', () => {
    expect(findSecret('Zx8#kP2$vQ9!mW4&rT7^nB', undefined)).toBeUndefined(); // too short without a secret name
    expect(findSecret('Zx8kP2vQ9mW4rT7nB3yL6cF1', undefined)).toMatchObject({ evidence: 'entropy' });
    expect(findSecret('a8F3kLp2Qz9X', 'DB_PASSWORD')).toMatchObject({ evidence: 'entropy' });
    expect(findSecret('a8F3kLp2Qz9X', 'LOG_LEVEL')).toBeUndefined();
  });

  it('ignores variable references, paths, URLs, placeholders and ordinary words', () => {
    for (const value of [
      '${GITHUB_TOKEN}',
      '{env:OPENAI_API_KEY}',
      '$DB_CONNECTION_STRING',
      '/Users/me/Library/Application Support/Claude/x.json',
      'https://api.example.com/v1/endpoint/with/path',
      'your-api-key-here',
      'xxxxxxxxxxxxxxxx',
      'info',
      '@modelcontextprotocol/server-filesystem',
      'mcp-server-postgres==0.6.2',
    ]) {
      expect(findSecret(value, 'API_KEY'), value).toBeUndefined();
    }
  });
});

describe('findUrlSecret', () => {
  it('finds passwords and secret query parameters, not ordinary URLs', () => {
    expect(findUrlSecret('https://user:s3cretPassw0rd@db.example.com/mcp')).toMatchObject({
      kind: 'password in the URL',
    });
    expect(findUrlSecret('https://mcp.example.com/sse?api_key=abcd1234efgh')).toMatchObject({
      evidence: 'url-credentials',
    });
    expect(findUrlSecret(`https://mcp.example.com/mcp?key=${tokens.google}`)).toMatchObject({
      kind: 'Google API key',
    });
    expect(findUrlSecret('https://mcp.example.com/mcp?version=2&region=eu')).toBeUndefined();
    expect(findUrlSecret('https://mcp.example.com/mcp?token=${TOKEN}')).toBeUndefined();
  });
});

describe('redactSecret', () => {
  it('shows the first four characters and the length, never the rest', () => {
    const redacted = redactSecret(tokens.github);
    expect(redacted).toBe(`ghp_… (${tokens.github.length} chars)`);
    expect(redacted).not.toContain(tokens.github.slice(4, 12));
  });
});

describe('shannonEntropy', () => {
  it('is zero for one repeated character and 1 bit for two balanced ones', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abab')).toBe(1);
    expect(shannonEntropy('')).toBe(0);
  });
});
