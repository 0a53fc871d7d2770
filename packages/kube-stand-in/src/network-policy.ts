import { randomUUID } from 'node:crypto';
import { type INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { matchesLabels, type Requirement } from './label-selector.js';
import { objectName, validateObject } from './object-validation.js';

/** A NetworkPolicy as stored: named, in the stand-in's namespace, with the metadata the server fills. */
export type StoredNetworkPolicy = INetworkPolicy & {
  metadata: NonNullable<INetworkPolicy['metadata']> & { name: string; namespace: string; uid: string };
};

/**
 * The body of a create checked against the official networking.k8s.io/v1 NetworkPolicy schema, and its name as
 * the API server checks it.
 * @throws {InvalidObjectError} naming the first field that fails.
 */
export function validateNetworkPolicy(body: unknown): INetworkPolicy & { metadata: { name: string } } {
  const data = validateObject(body, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    model: NetworkPolicy,
  });
  objectName(data);
  return data as unknown as INetworkPolicy & { metadata: { name: string } };
}

/**
 * The NetworkPolicies of the stand-in's one namespace, in memory. Nothing enforces them: the stand-in's pods run
 * with no network at all. No I/O.
 */
export class NetworkPolicyStore {
  readonly #items = new Map<string, StoredNetworkPolicy>();
  #revision = 0;

  constructor(readonly namespace: string) {}

  /** The resourceVersion of the store: it grows with every change, as a list's does. */
  get revision(): string {
    return String(this.#revision);
  }

  /** Stores a valid policy with the metadata the server fills; `undefined` when its name is taken. */
  create(policy: INetworkPolicy & { metadata: { name: string } }): StoredNetworkPolicy | undefined {
    const { name } = policy.metadata;
    if (this.#items.has(name)) return undefined;
    this.#revision += 1;
    const stored: StoredNetworkPolicy = {
      ...structuredClone(policy),
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        ...structuredClone(policy.metadata),
        name,
        namespace: this.namespace,
        uid: randomUUID(),
        resourceVersion: this.revision,
        generation: 1,
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    this.#items.set(name, stored);
    return structuredClone(stored);
  }

  get(name: string): StoredNetworkPolicy | undefined {
    const stored = this.#items.get(name);
    return stored && structuredClone(stored);
  }

  /** The policies whose labels meet every requirement, by name. */
  list(requirements: Requirement[] = []): StoredNetworkPolicy[] {
    return [...this.#items.values()]
      .filter((policy) => matchesLabels(requirements, policy.metadata.labels ?? {}))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map((policy) => structuredClone(policy));
  }

  /** Removes the policy and returns it; `undefined` when there is none of that name. */
  delete(name: string): StoredNetworkPolicy | undefined {
    const stored = this.#items.get(name);
    if (!stored) return undefined;
    this.#items.delete(name);
    this.#revision += 1;
    return stored;
  }
}
