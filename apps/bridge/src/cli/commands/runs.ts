import { type AuditCall, type AuditRun, auditFileOf, readAuditTrail } from '../../audit/audit-log.js';
import { settingsProjectDir } from '../../state-dir.js';
import { EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';
import { formatTable } from '../table.js';

/** `runs`: the recent runs of this project from the audit trail; `runs <id>`: one run with its tool calls. */
export async function runsCommand({ io, settings, flags, positionals }: CommandContext): Promise<number> {
  const file = auditFileOf(settings.auditLog, settingsProjectDir(settings, io.env));
  if (file === undefined) {
    io.stderr.write(
      'code-exec-bridge: the audit trail is off (MCP_BRIDGE_AUDIT_LOG=off): no runs are kept.\n',
    );
    return 1;
  }
  const records = await readAuditTrail(file);
  const runs = records.filter((r): r is AuditRun => r.type === 'run');
  const id = positionals[0];
  if (id === undefined) {
    const limit = Number(flags.limit ?? 20);
    const recent = runs.slice(-Math.max(1, Number.isFinite(limit) ? limit : 20)).reverse();
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(recent, null, 2)}\n`);
      return EXIT_OK;
    }
    if (!recent.length) {
      io.stdout.write(`No runs yet in ${file}.\n`);
      return EXIT_OK;
    }
    io.stdout.write(
      `${formatTable(
        ['run', 'started', 'status', 'duration', 'calls', 'session', 'servers'],
        recent.map((run) => [
          run.run,
          run.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
          run.status,
          `${run.durationMs} ms`,
          String(run.calls),
          run.session ?? '-',
          run.servers.join(', ') || '-',
        ]),
      )}\n`,
    );
    io.stdout.write(
      `\n${recent.length} of ${runs.length} runs in ${file}; \`code-exec-bridge runs <run>\` shows one.\n`,
    );
    return EXIT_OK;
  }
  const run = runs.find((r) => r.run === id);
  const calls = records.filter((r): r is AuditCall => r.type === 'call' && r.run === id);
  if (!run && !calls.length) {
    io.stderr.write(`code-exec-bridge: no run ${id} in ${file} (\`code-exec-bridge runs\` lists them).\n`);
    return 1;
  }
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ run, calls }, null, 2)}\n`);
    return EXIT_OK;
  }
  if (run) {
    io.stdout.write(
      `run ${run.run}: ${run.status} in ${run.durationMs} ms, ${run.calls} tool calls, started ${run.time}` +
        `${run.session ? `, session ${run.session}` : ''}\n` +
        `servers: ${run.servers.join(', ') || '-'}; code: ${run.codeBytes} bytes (sha256 ${run.codeHash})\n` +
        `${run.error ? `error: ${run.error}\n` : ''}`,
    );
  }
  if (calls.length) {
    io.stdout.write('\n');
    io.stdout.write(
      `${formatTable(
        ['started', 'tool', 'outcome', 'duration', 'arguments', 'result', 'policy'],
        calls.map((call) => [
          call.time.slice(11, 23),
          `${call.server}.${call.tool}`,
          call.outcome,
          `${call.durationMs} ms`,
          `${call.argumentsBytes} B ${call.argumentsHash}`,
          call.resultBytes === undefined ? (call.error ?? '-') : `${call.resultBytes} B ${call.resultHash}`,
          call.policy,
        ]),
      )}\n`,
    );
  } else {
    io.stdout.write('No tool calls.\n');
  }
  return EXIT_OK;
}
