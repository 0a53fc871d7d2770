import type { IPod } from 'kubernetes-models/v1';

// The sandbox test image, as every package's container tests take it.
export const IMAGE = process.env.CODEXEC_TEST_IMAGE ?? 'localhost/codexec-python:bookworm';
export const LABEL_MANAGED = 'codexec.dev/managed';

/**
 * A hardened sandbox pod, written out by hand as the Kubernetes adapter's pod builder writes it (one container
 * `sandbox`, stdin held open once, non-root, read-only root, memory-backed /tmp, requests equal to limits).
 */
export function hardenedPod(
  name: string,
  command: string[],
  overrides: { labels?: Record<string, string>; memory?: string; env?: Record<string, string> } = {},
): IPod {
  const memory = overrides.memory ?? '256Mi';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'code-exec',
      labels: { [LABEL_MANAGED]: 'true', ...overrides.labels },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      shareProcessNamespace: false,
      terminationGracePeriodSeconds: 0,
      securityContext: {
        runAsUser: 65534,
        runAsGroup: 65534,
        runAsNonRoot: true,
        fsGroup: 65534,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'sandbox',
          image: IMAGE,
          imagePullPolicy: 'Never',
          command: command.map((part) => part.replace(/\$/g, () => '$$')),
          env: Object.entries(overrides.env ?? {}).map(([key, value]) => ({
            name: key,
            value: value.replace(/\$/g, () => '$$'),
          })),
          workingDir: '/workspace',
          stdin: true,
          stdinOnce: true,
          tty: false,
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          resources: { limits: { memory, cpu: '1' }, requests: { memory, cpu: '1' } },
          volumeMounts: [
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'workspace', mountPath: '/workspace' },
          ],
        },
      ],
      volumes: [
        { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 'workspace', emptyDir: { medium: 'Memory', sizeLimit: '32Mi' } },
      ],
    },
  };
}
