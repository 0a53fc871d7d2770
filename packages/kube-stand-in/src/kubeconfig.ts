/**
 * A kubeconfig for the stand-in: one cluster, one user with the token, one context with the namespace. Pure.
 *
 * The stand-in serves plain HTTP on loopback. The official JavaScript client refuses an `http:` server unless
 * `insecure-skip-tls-verify` is true ("HTTP protocol is not allowed when skipTLSVerify is not set or false"), so it
 * is set: there is no TLS to verify, and nothing leaves the machine.
 */
export function kubeconfigFor(options: {
  url: string;
  token: string;
  namespace: string;
}): Record<string, unknown> {
  const name = 'codexec-stand-in';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: options.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token: options.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace } }],
    'current-context': name,
    preferences: {},
  };
}
