// Preloaded into the bridge by the memory section (`node --expose-gc --import gc-probe.mjs`): on SIGUSR2 it runs
// a full garbage collection and writes process.memoryUsage() to the file named by CODEXEC_BENCH_GC_FILE, so the
// bench can tell live memory from heap the process merely keeps. It adds one signal handler and nothing else.
import { writeFileSync } from 'node:fs';

const file = process.env.CODEXEC_BENCH_GC_FILE;
if (file && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    globalThis.gc();
    writeFileSync(file, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }));
  });
}
