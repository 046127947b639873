/**
 * Port derivation from `portBase`.
 *
 * Every node owns a slot of 10 ports: `portBase + 10 * slot + role`, roles being
 * +1 ledger-api / public-api, +2 admin-api, +3 http-ledger-api (JSON) / a BFT sequencer's peer-to-peer
 * server. A sequencer gets its peer-to-peer port only when there are several sequencers (they must
 * form one ordering network; one sequencer needs none) or when the config sets `ports.p2p`.
 *  - Slots that are multiples of 10 (ports x000–x009, x100–x109, …) hold sequencers and mediators:
 *    sequencers use slot 0, 10, 30, 50, 70, …; mediators use slot 20, 40, 60, …
 *  - All other slots hold participants, in the order of the config: participant N (1-based) takes the
 *    N-th slot that is not a multiple of 10 (1…9, 11…19, 21…).
 * So base 5000 gives the seed's numbers exactly (sequencer1 5001/5002, mediator1 5202, participant1
 * 5011/5012/5013, participant2 5021/5022/5023), and no two derived ports can ever be equal, whatever the
 * number of nodes. An explicit port in the config overrides the derived one (collisions are then checked).
 */
import type { Config } from './schema.js';

/**
 * The embedded server's default port sits in the derived block (role 0 of slot 24, which no node uses),
 * not on 5432, where a developer's own PostgreSQL usually listens.
 */
export const EMBEDDED_POSTGRES_OFFSET = 240;
export const EXTERNAL_POSTGRES_DEFAULT_PORT = 5432;

export function postgresPort(config: { portBase: number; postgres: { embedded: boolean; port?: number } }): number {
  return config.postgres.port ?? (config.postgres.embedded ? config.portBase + EMBEDDED_POSTGRES_OFFSET : EXTERNAL_POSTGRES_DEFAULT_PORT);
}

export const PORT_ROLE = { ledger: 1, public: 1, admin: 2, json: 3, p2p: 3 } as const;

export function sequencerSlot(index: number): number {
  // 0, 10, then odd multiples of 10 from 30 on, leaving 20, 40, … to mediators.
  return 10 * (index < 2 ? index : 2 * index - 1);
}

export function mediatorSlot(index: number): number {
  return 10 * (2 + 2 * index);
}

export function participantSlot(index: number): number {
  // index is 0-based; skip every slot that is a multiple of 10.
  const n = index + 1;
  return n + Math.floor((n - 1) / 9);
}

export interface DerivedPort {
  /** Config path of the port, e.g. ['participants', 'participant2', 'ports', 'json']. */
  path: string[];
  port: number;
  /** Written in the config file rather than derived from portBase. */
  explicit: boolean;
}

export interface NodePorts {
  sequencers: Record<string, { public: number; admin: number; p2p?: number }>;
  mediators: Record<string, { admin: number }>;
  participants: Record<string, { ledger: number; admin: number; json: number }>;
  /** Every port in config order, for collision and range checks. */
  all: DerivedPort[];
}

export function derivePorts(config: Pick<Config, 'portBase' | 'sequencers' | 'mediators' | 'participants'>): NodePorts {
  const all: DerivedPort[] = [];
  const base = config.portBase;
  function pick<K extends string>(kind: string, name: string, slot: number, given: Partial<Record<K, number | undefined>>, roles: K[]) {
    const out = {} as Record<K, number>;
    for (const role of roles) {
      const explicit = given[role];
      const port = explicit ?? base + 10 * slot + PORT_ROLE[role as keyof typeof PORT_ROLE];
      out[role] = port;
      all.push({ path: [kind, name, 'ports', role], port, explicit: explicit !== undefined });
    }
    return out;
  }
  const sequencers: NodePorts['sequencers'] = {};
  const network = Object.keys(config.sequencers).length > 1;
  Object.entries(config.sequencers).forEach(([name, n], i) => {
    const roles: ('public' | 'admin' | 'p2p')[] = network || n.ports.p2p !== undefined ? ['public', 'admin', 'p2p'] : ['public', 'admin'];
    sequencers[name] = pick('sequencers', name, sequencerSlot(i), n.ports, roles);
  });
  const mediators: NodePorts['mediators'] = {};
  Object.entries(config.mediators).forEach(([name, n], i) => {
    mediators[name] = pick('mediators', name, mediatorSlot(i), n.ports, ['admin']);
  });
  const participants: NodePorts['participants'] = {};
  Object.entries(config.participants).forEach(([name, n], i) => {
    participants[name] = pick('participants', name, participantSlot(i), n.ports, ['ledger', 'admin', 'json']);
  });
  return { sequencers, mediators, participants, all };
}
