import { createKubernetesRuntime } from '@codexec/container-runtime';
import { type EngineStatus, engineStatus } from './engines.js';
import { defineSandboxSuite } from './scenarios.js';

// Every scenario through the Kubernetes adapter against a real cluster: opt-in, since it creates pods wherever
// KUBECONFIG points. Run with: CODEXEC_KUBE_TESTS=1 KUBECONFIG=~/.kube/config [CODEXEC_KUBE_NAMESPACE=ns]
// CODEXEC_TEST_IMAGE=<an image with python3 the nodes can pull> pnpm vitest run packages/sandbox/test/kubernetes-cluster.test.ts
// The namespace needs the Role of deploy/kubernetes/role.yaml for the user of the kubeconfig; the bridge creates
// the NetworkPolicy that isolates sandbox pods when it is missing.

const wanted = process.env.CODEXEC_KUBE_TESTS === '1';
const kubeconfig = process.env.KUBECONFIG?.trim() || undefined;
const namespace = process.env.CODEXEC_KUBE_NAMESPACE?.trim() || undefined;
// A cold node may have to pull the image first.
const runtime = createKubernetesRuntime({ kubeconfig, namespace, startTimeoutMs: 300_000 });

const status: EngineStatus =
  wanted && kubeconfig
    ? await engineStatus('kubernetes', runtime)
    : {
        ok: false,
        runtime,
        optIn: true,
        reason: `${wanted ? 'KUBECONFIG is not set' : 'CODEXEC_KUBE_TESTS is not 1'}: the scenarios against a real cluster are opt-in (CODEXEC_KUBE_TESTS=1 KUBECONFIG=<kubeconfig> CODEXEC_TEST_IMAGE=<pullable image>)`,
      };

// The API server's address is known once the kubeconfig has been read (by `info`, above).
const address = runtime.endpoint.value;
defineSandboxSuite('kubernetes', status, { remote: true, ...(address ? { address } : {}) });
