// Given to the built bridge with `node --import`, it appends the URL of every module the bridge's ESM loader
// resolves to the file CODEXEC_MODULES_FILE names: a test sees what the bridge loaded without the bridge's help.
// The same file is the loader hook: `register` runs it again, off the main thread, where it only records.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, `${result.url}\n`);
  return result;
}

if (isMainThread) register(import.meta.url, { data: { file: process.env.CODEXEC_MODULES_FILE } });
