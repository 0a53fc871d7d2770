import type { McpServerConfig, Scope, ServerSource } from './server.js';

/** Lower is stronger. */
export const SCOPE_RANK: Readonly<Record<Scope, number>> = {
  explicit: 0,
  local: 1,
  project: 2,
  user: 3,
  system: 4,
};

export interface ShadowedServer {
  server: McpServerConfig;
  /** The definition that wins over this one. */
  shadowedBy: ServerSource;
}

export interface Candidate {
  server: McpServerConfig;
  /** Reading order: explicit sources first, then clients in adapter order, locations in each adapter's order. */
  order: number;
  clientRank: number;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Picks one definition per server name.
 * 1. Within one client the strongest scope wins, then the earlier location, then the earlier entry — even when
 *    the winner is disabled, because that is how the client itself behaves.
 * 2. Across clients an enabled definition beats a disabled one; then the stronger scope; then the client order.
 * Pure and deterministic: the result depends only on the candidates, never on file-system timing.
 */
export function mergeServers(candidates: readonly Candidate[]): {
  servers: McpServerConfig[];
  shadowed: ShadowedServer[];
} {
  const byScope = (a: Candidate, b: Candidate) =>
    SCOPE_RANK[a.server.source.scope] - SCOPE_RANK[b.server.source.scope] || a.order - b.order;
  const shadowed: Candidate[] = [];
  const shadowedBy = new Map<Candidate, Candidate>();

  const perClient = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const key = `${candidate.server.source.client}\u0000${candidate.server.name}`;
    const list = perClient.get(key) ?? [];
    list.push(candidate);
    perClient.set(key, list);
  }
  const clientWinners: Candidate[] = [];
  for (const list of perClient.values()) {
    const [winner, ...losers] = [...list].sort(byScope);
    if (!winner) continue;
    clientWinners.push(winner);
    for (const loser of losers) {
      shadowed.push(loser);
      shadowedBy.set(loser, winner);
    }
  }

  const perName = new Map<string, Candidate[]>();
  for (const candidate of clientWinners) {
    const list = perName.get(candidate.server.name) ?? [];
    list.push(candidate);
    perName.set(candidate.server.name, list);
  }
  const winners: Candidate[] = [];
  for (const list of perName.values()) {
    const [winner, ...losers] = [...list].sort(
      (a, b) =>
        Number(!a.server.enabled) - Number(!b.server.enabled) ||
        SCOPE_RANK[a.server.source.scope] - SCOPE_RANK[b.server.source.scope] ||
        a.clientRank - b.clientRank ||
        a.order - b.order,
    );
    if (!winner) continue;
    winners.push(winner);
    for (const loser of losers) {
      shadowed.push(loser);
      shadowedBy.set(loser, winner);
    }
  }
  // A definition shadowed inside its client points at the overall winner of its name.
  const overall = new Map(winners.map((w) => [w.server.name, w]));
  return {
    servers: winners
      .sort((a, b) => compareNames(a.server.name, b.server.name) || a.order - b.order)
      .map((c) => c.server),
    shadowed: shadowed
      .sort((a, b) => compareNames(a.server.name, b.server.name) || a.order - b.order)
      .map((c) => {
        const winner = overall.get(c.server.name) ?? shadowedBy.get(c) ?? c;
        return { server: c.server, shadowedBy: winner.server.source };
      }),
  };
}
