/** Topology → the HOCON object of `canton.conf` and `remote.conf`. Pure. */
import { join } from 'node:path';
import type { CantonNode, NodeStorage, PostgresSpec, Topology } from '../config/types.js';
import { connectAddress } from '../config/endpoints.js';
import { envOnly, envOverride, type HoconObject } from './hocon.js';
import { bftSequencerBlock } from './bft.js';
import { metricsMonitoring } from '../ci/metrics.js';

export const POSTGRES_ENV = { host: 'POSTGRES_HOST', port: 'POSTGRES_PORT', user: 'POSTGRES_USER', password: 'POSTGRES_PASSWORD' } as const;
export const PG_DATA_SOURCE_CLASS = 'org.postgresql.ds.PGSimpleDataSource';

/** Canton writes it after all nodes started and the bootstrap script finished: the readiness signal. */
export function portsFilePath(topology: Topology): string {
  return join(topology.stateDir, 'ports.json');
}

function storage(s: NodeStorage, pg: PostgresSpec): HoconObject {
  if (s.type === 'memory') return { type: 'memory' };
  return {
    type: 'postgres',
    config: {
      dataSourceClass: PG_DATA_SOURCE_CLASS,
      properties: {
        serverName: envOverride(pg.host, POSTGRES_ENV.host),
        portNumber: envOverride(pg.port, POSTGRES_ENV.port),
        databaseName: s.database,
        user: envOverride(pg.user, POSTGRES_ENV.user),
        // Never a literal: the password reaches Canton only through its environment.
        password: envOnly(POSTGRES_ENV.password, pg.passwordEnv),
      },
    },
  };
}

const api = (address: string, port: number): HoconObject => ({ address, port });

function nodeConfig(n: CantonNode, pg: PostgresSpec, t: Topology): HoconObject {
  const base = { storage: storage(n.storage, pg) };
  switch (n.kind) {
    case 'sequencer':
      return { ...base, 'public-api': api(n.address, n.ports.public), 'admin-api': api(n.address, n.ports.admin), sequencer: bftSequencerBlock(n, t.sequencers) };
    case 'mediator':
      return { ...base, 'admin-api': api(n.address, n.ports.admin) };
    case 'participant':
      return {
        ...base,
        'ledger-api': api(n.address, n.ports.ledger),
        'admin-api': api(n.address, n.ports.admin),
        'http-ledger-api': api(n.address, n.ports.json),
      };
  }
}

const byName = <T extends CantonNode>(nodes: T[], f: (n: T) => HoconObject): HoconObject => Object.fromEntries(nodes.map((n) => [n.name, f(n)]));

export function cantonConfObject(t: Topology): HoconObject {
  return {
    canton: {
      parameters: { 'ports-file': portsFilePath(t) },
      sequencers: byName(t.sequencers, (n) => nodeConfig(n, t.postgres, t)),
      mediators: byName(t.mediators, (n) => nodeConfig(n, t.postgres, t)),
      participants: byName(t.participants, (n) => nodeConfig(n, t.postgres, t)),
      ...(t.metrics ? { monitoring: metricsMonitoring(t)! } : {}),
    },
  };
}

export function remoteConfObject(t: Topology): HoconObject {
  const at = (address: string, port: number) => api(connectAddress(address), port);
  return {
    canton: {
      'remote-sequencers': byName(t.sequencers, (n) => ({ 'public-api': at(n.address, n.ports.public), 'admin-api': at(n.address, n.ports.admin) })),
      'remote-mediators': byName(t.mediators, (n) => ({ 'admin-api': at(n.address, n.ports.admin) })),
      'remote-participants': byName(t.participants, (n) => ({ 'ledger-api': at(n.address, n.ports.ledger), 'admin-api': at(n.address, n.ports.admin) })),
    },
  };
}
