import { describe, expect, it } from 'vitest';
import { needsApproval, renderArguments } from './approval.js';

describe('approval', () => {
  it('reads the hints as the MCP spec does: destructive unless read-only or said not to be', () => {
    expect(needsApproval('never', undefined)).toBe(false);
    expect(needsApproval('all', { readOnlyHint: true })).toBe(true);
    expect(needsApproval('destructive', undefined)).toBe(true);
    expect(needsApproval('destructive', {})).toBe(true);
    expect(needsApproval('destructive', { destructiveHint: true })).toBe(true);
    expect(needsApproval('destructive', { readOnlyHint: true })).toBe(false);
    expect(needsApproval('destructive', { readOnlyHint: false, destructiveHint: false })).toBe(false);
  });

  it('renders arguments readably, cut to a size a dialog can show', () => {
    expect(renderArguments({ path: '/tmp/x', n: 2 })).toBe('{\n  "path": "/tmp/x",\n  "n": 2\n}');
    const long = renderArguments({ text: 'x'.repeat(5000) }, 100);
    expect(long.length).toBeLessThan(140);
    expect(long).toMatch(/^\{\n {2}"text": "x+… \(\d+ more characters\)$/);
  });
});
