#!/usr/bin/env node
import { homedir } from 'node:os';
import { main } from './cli/main.js';

const controller = new AbortController();
// `on`, not `once`: a library that also listens (signal-exit, through execa) re-raises the signal when it finds
// itself the last listener, which would kill the bridge before it has removed its containers. A second Ctrl-C
// gives up at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error(`received ${signal}`));
  });
}
// A closed stdout (the client went away) must end the bridge, not crash it with EPIPE.
process.stdout.on('error', () => controller.abort(new Error('stdout closed')));

const code = await main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  home: process.env.HOME || homedir(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
process.exitCode = code;
// Whatever is left (a slow upstream, a timer) must not keep the command alive once it has answered.
setTimeout(() => process.exit(code), 3000).unref();
