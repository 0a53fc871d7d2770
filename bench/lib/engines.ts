import { command, sleep } from './process.js';

export type Engine = 'podman' | 'docker';

export const IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';

/** Whether the engine answers and has the image; the reason when not. */
export async function engineReady(engine: Engine): Promise<{ ok: boolean; reason: string; version: string }> {
  const version = await command(engine, ['version', '--format', '{{.Client.Version}}'], 30_000);
  if (version.code !== 0) {
    return {
      ok: false,
      reason: `${engine} does not answer: ${version.stderr.trim().split('\n')[0]}`,
      version: '',
    };
  }
  const image = await command(engine, ['image', 'inspect', IMAGE], 60_000);
  if (image.code !== 0) {
    return {
      ok: false,
      reason: `${engine} has no image ${IMAGE} (scripts/provision-engines.sh builds it; CODEXEC_TEST_IMAGE picks another)`,
      version: version.stdout.trim(),
    };
  }
  return { ok: true, reason: '', version: version.stdout.trim() };
}

export interface ListedContainer {
  name: string;
  state: string;
}

/** Containers carrying a label (`key=value`), in any state. */
export async function containersWithLabel(engine: Engine, label: string): Promise<ListedContainer[]> {
  const result = await command(
    engine,
    ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}} {{.State}}'],
    60_000,
  );
  if (result.code !== 0) throw new Error(`${engine} ps failed: ${result.stderr.trim()}`);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', state = ''] = line.trim().split(/\s+/);
      return { name, state: state.toLowerCase() };
    });
}

/** Removes every container carrying the label; returns how many there were. */
export async function removeWithLabel(engine: Engine, label: string): Promise<number> {
  const listed = await containersWithLabel(engine, label).catch(() => []);
  if (listed.length) await command(engine, ['rm', '-f', ...listed.map((c) => c.name)], 120_000);
  return listed.length;
}

/**
 * Waits until exactly `count` containers carry the label and all run (a pool refilled, or the last run's container
 * removed), then `extraMs` more (a started container's runtime says hello a little after the engine reports it
 * running). Gives up after `timeoutMs`; returns whether the state was reached.
 */
export async function settle(
  engine: Engine,
  label: string,
  count: number,
  { timeoutMs = 30_000, extraMs = 0 }: { timeoutMs?: number; extraMs?: number } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = await containersWithLabel(engine, label).catch(() => undefined);
    if (
      listed &&
      listed.length === count &&
      listed.every((c) => c.state.startsWith('running') || c.state === 'up')
    ) {
      if (extraMs) await sleep(extraMs);
      return true;
    }
    if (Date.now() > deadline) return false;
    await sleep(150);
  }
}

/** Memory of each running container carrying the label, in MiB, from the engine's stats. */
export async function containerMemory(engine: Engine, label: string): Promise<number[]> {
  const listed = await command(
    engine,
    ['ps', '--filter', `label=${label}`, '--format', '{{.Names}}'],
    60_000,
  );
  const names = listed.stdout.split('\n').filter(Boolean);
  if (!names.length) return [];
  const stats = await command(
    engine,
    ['stats', '--no-stream', '--format', '{{.MemUsage}}', ...names],
    60_000,
  );
  return stats.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => toMiB(line.split('/')[0]!.trim()));
}

function toMiB(text: string): number {
  const match = /^([\d.]+)\s*([kKmMgG]i?)?B?$/.exec(text.trim());
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  const unit = (match[2] ?? '').toLowerCase()[0];
  // podman prints kB/MB (powers of 1000), docker KiB/MiB (powers of 1024); the difference is 5% at most.
  const scale = unit === 'k' ? 1 / 1024 : unit === 'g' ? 1024 : unit === 'm' ? 1 : 1 / (1024 * 1024);
  return value * scale;
}
