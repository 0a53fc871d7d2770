import { LABEL_MANAGED } from '../hardened-args.js';

/**
 * What the adapter does about the network of sandbox pods, which a pod spec cannot cut off by itself:
 * - `ensure`: before the first pod (and again after a minute), check that the namespace's NetworkPolicies cut
 *   sandbox pods off in both directions; when none selects them, create `SANDBOX_NETWORK_POLICY`; refuse to start
 *   pods when another policy lets traffic through or the policy cannot be created.
 * - `require`: the same check, but never create: refuse to start pods until an administrator applies one.
 * - `off`: no check (the cluster isolates pods by other means, e.g. a CNI's own policy objects).
 */
export type NetworkPolicyMode = 'ensure' | 'require' | 'off';
export const NETWORK_POLICY_MODES: readonly NetworkPolicyMode[] = ['ensure', 'require', 'off'];

/** The name of the policy the adapter creates, as `deploy/kubernetes/networkpolicy.yaml` names it. */
export const SANDBOX_NETWORK_POLICY_NAME = 'codexec-sandbox-deny-all';

/** The parts of a v1 NetworkPolicy this module reads. */
export interface NetworkPolicyView {
  metadata?: { name?: string | undefined } | undefined;
  spec?:
    | {
        podSelector?: LabelSelector | undefined;
        policyTypes?: string[] | undefined;
        ingress?: unknown[] | undefined;
        egress?: unknown[] | undefined;
      }
    | undefined;
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | undefined;
  matchExpressions?: { key: string; operator: string; values?: string[] | undefined }[] | undefined;
}

/**
 * Every pod the bridge starts carries `codexec.managed=true`: a policy selecting that label, allowing nothing in
 * either direction (not even DNS), as `--network none` gives a container. The same as the shipped manifest.
 */
export function sandboxNetworkPolicy(): {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; labels: Record<string, string> };
  spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: ('Ingress' | 'Egress')[] };
} {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: SANDBOX_NETWORK_POLICY_NAME,
      labels: { 'app.kubernetes.io/name': 'code-exec-bridge' },
    },
    spec: { podSelector: { matchLabels: { [LABEL_MANAGED]: 'true' } }, policyTypes: ['Ingress', 'Egress'] },
  };
}

/** Whether a label selector selects a pod with these labels; an empty selector selects every pod. Pure. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const ok =
      operator === 'In'
        ? has && values.includes(labels[key]!)
        : operator === 'NotIn'
          ? !has || !values.includes(labels[key]!)
          : operator === 'Exists'
            ? has
            : operator === 'DoesNotExist'
              ? !has
              : false; // An operator the API server would have refused selects nothing.
    if (!ok) return false;
  }
  return true;
}

export type Direction = 'ingress' | 'egress';

/** How one direction of a pod's traffic stands under the namespace's policies. */
export type DirectionState =
  /** No policy selects the pod for this direction: all traffic flows. */
  | { state: 'open' }
  /** Selected, and every selecting policy allows nothing. */
  | { state: 'cut'; by: string[] }
  /** Selected, but these policies allow some traffic (policies add up: one rule anywhere lets it through). */
  | { state: 'allowed'; by: string[] };

export interface Isolation {
  ingress: DirectionState;
  egress: DirectionState;
  /** Both directions cut. */
  isolated: boolean;
}

/**
 * How the namespace's NetworkPolicies treat a pod with these labels, per the NetworkPolicy semantics: a direction
 * is isolated when some policy selecting the pod lists it in `policyTypes` (unset: Ingress always, Egress when the
 * policy has egress rules), and the traffic allowed is the union of every selecting policy's rules. Pure.
 */
export function sandboxIsolation(policies: NetworkPolicyView[], labels: Record<string, string>): Isolation {
  const direction = (which: Direction): DirectionState => {
    const cutBy: string[] = [];
    const allowedBy: string[] = [];
    for (const policy of policies) {
      const spec = policy.spec ?? {};
      if (!selects(spec.podSelector, labels)) continue;
      const types =
        spec.policyTypes ?? (spec.egress && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
      if (!types.some((t) => t.toLowerCase() === which)) continue;
      const name = policy.metadata?.name ?? '(unnamed)';
      if ((spec[which] ?? []).length > 0) allowedBy.push(name);
      else cutBy.push(name);
    }
    if (allowedBy.length > 0) return { state: 'allowed', by: allowedBy };
    return cutBy.length > 0 ? { state: 'cut', by: cutBy } : { state: 'open' };
  };
  const ingress = direction('ingress');
  const egress = direction('egress');
  return { ingress, egress, isolated: ingress.state === 'cut' && egress.state === 'cut' };
}

/** The names of the policies that cut sandbox pods off, both directions together, each once. Pure. */
export function isolatingPolicies(isolation: Isolation): string[] {
  const names = [isolation.ingress, isolation.egress].flatMap((d) => (d.state === 'cut' ? d.by : []));
  return [...new Set(names)];
}

/** "ingress open (no policy selects sandbox pods), egress allowed by policy a, b", for messages. Pure. */
export function describeIsolation(isolation: Isolation): string {
  const part = (which: Direction, d: DirectionState): string =>
    d.state === 'cut'
      ? `${which} cut off (${d.by.join(', ')})`
      : d.state === 'allowed'
        ? `${which} allowed by ${d.by.length > 1 ? 'policies' : 'policy'} ${d.by.join(', ')}`
        : `${which} open (no policy isolates sandbox pods)`;
  return `${part('ingress', isolation.ingress)}, ${part('egress', isolation.egress)}`;
}
