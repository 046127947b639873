import type { Topology } from './types.js';

/** Does any node keep its state in PostgreSQL? (Import-free: used on fast paths.) */
export function usesPostgres(t: Pick<Topology, 'sequencers' | 'mediators' | 'participants'>): boolean {
  return [...t.sequencers, ...t.mediators, ...t.participants].some((n) => n.storage.type === 'postgres');
}

/** The databases the nodes need, one per node with postgres storage. */
export function postgresDatabases(t: Pick<Topology, 'sequencers' | 'mediators' | 'participants'>): string[] {
  const names = [...t.sequencers, ...t.mediators, ...t.participants].flatMap((n) => (n.storage.type === 'postgres' ? [n.storage.database] : []));
  return [...new Set(names)];
}
