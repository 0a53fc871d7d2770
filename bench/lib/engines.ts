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

/**
 * The baseline: a bare `run --rm IMAGE python3 -c pass`. Rootful podman on this kind of machine needs explicit
 * rlimits (its defaults are above the host's hard limits), so its bare run carries the two `--ulimit` flags.
 */
export function bareRunArgs(engine: Engine): string[] {
  const limits = engine === 'podman' ? ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'] : [];
  return ['run', '--rm', ...limits, IMAGE, 'python3', '-c', 'pass'];
}

/** Wall time of one bare run in ms; throws when it fails. */
export async function bareRun(engine: Engine): Promise<number> {
  const result = await command(engine, bareRunArgs(engine), 120_000);
  if (result.code !== 0) throw new Error(`bare ${engine} run failed: ${result.stderr.trim().slice(-500)}`);
  return result.ms;
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
