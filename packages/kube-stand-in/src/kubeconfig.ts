/** A kubeconfig for the stand-in: one cluster, one user with the token, one context with the namespace. Pure. */
export function kubeconfigFor(options: {
  url: string;
  token: string;
  namespace: string;
}): Record<string, unknown> {
  const name = 'codexec-stand-in';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: options.url, 'insecure-skip-tls-verify': false } }],
    users: [{ name, user: { token: options.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace } }],
    'current-context': name,
    preferences: {},
  };
}
