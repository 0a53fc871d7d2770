/**
 * Starts the Kubernetes stand-in and writes its kubeconfig, for trying a Kubernetes client by hand:
 *   tsx packages/kube-stand-in/src/cli.ts --kubeconfig /tmp/x.yaml [--namespace code-exec] [--port 0]
 * Runs until interrupted; removes every container it started on the way out.
 */
import { parseArgs } from 'node:util';
import { startKubeStandIn } from './server.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string', default: 'kubeconfig.stand-in.yaml' },
    namespace: { type: 'string' },
    port: { type: 'string' },
    podman: { type: 'string' },
  },
});

const stderrLogger = {
  debug: () => {},
  info: (message: string) => process.stderr.write(`${message}\n`),
  warn: (message: string) => process.stderr.write(`warning: ${message}\n`),
  error: (message: string) => process.stderr.write(`error: ${message}\n`),
};

const standIn = await startKubeStandIn({
  namespace: values.namespace,
  podman: values.podman,
  port: values.port === undefined ? undefined : Number(values.port),
  logger: stderrLogger,
});
await standIn.writeKubeconfig(values.kubeconfig);
process.stdout.write(`${values.kubeconfig}\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void standIn.close().then(() => process.exit(0));
  });
}
