import type { StructuredResult } from './structured-result.js';
import { formatCount } from './text-metrics.js';
import { lineMarker } from './truncate.js';

function labelled(label: string, text: string): string {
  return text.includes('\n') ? `${label}:\n${text}` : `${label}: ${text}`;
}

/**
 * Plain text the way the original bridge's compact mode reads: the summary line, then stdout, then stderr and the
 * error, nothing else that a person would not want to read. `valueText` is how the value is shown (its repr).
 */
export function compactText(result: StructuredResult, valueText: string | undefined): string {
  const out: string[] = [result.summary];
  if (result.exitCode !== undefined && result.exitCode !== 0) out.push(`exit code: ${result.exitCode}`);
  if (result.stdout) out.push(...result.stdout);
  if (valueText !== undefined) out.push(labelled('value', valueText));
  if (result.stderr) out.push('stderr:', ...result.stderr);
  if (result.error !== undefined && !result.summary.includes(result.error))
    out.push(labelled('error', result.error));
  if (result.traceback) out.push('traceback:', ...result.traceback);
  if (result.session) {
    const { name, run, state, reason, lost } = result.session;
    out.push(
      `session ${name}, run ${run}: ${state === 'kept' ? 'state kept' : `new state${reason ? ` (${reason})` : ''}`}`,
    );
    if (lost) out.push(`session state lost: ${lost}`);
  }
  for (const attachment of result.attachments ?? []) {
    out.push(`attached: ${attachment.name} (${attachment.mimeType}, ${formatCount(attachment.size)} bytes)`);
  }

  const truncated = result.truncated ?? {};
  const shown = {
    stdout: result.stdout,
    stderr: result.stderr,
    value: valueText,
    error: result.error,
    traceback: result.traceback,
  };
  for (const [part, content] of Object.entries(shown)) {
    const cut = truncated[part as keyof typeof shown];
    if (content === undefined && cut) out.push(`${part}: ${lineMarker(cut.omittedChars, cut.omittedLines)}`);
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const bytes = truncated.sandbox?.[`${stream}Bytes`];
    if (truncated.sandbox?.[stream] || bytes) {
      out.push(
        `[${stream} was truncated in the sandbox${bytes ? `: ${formatCount(bytes)} bytes omitted` : ''}]`,
      );
    }
  }
  return out.join('\n');
}
