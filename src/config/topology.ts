/**
 * Config → Topology: fills every derived value (ports, databases, user defaults, absolute paths).
 * Pure. It assumes a config that passed `validateConfig`; on an invalid one it still returns a value
 * but names may dangle.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { CantonNode, DecentralizedPartySpec, NodeStorage, ParticipantNode, StorageKind, Topology, UserSpec, SignerSpec } from './types.js';
import { securitySpec } from '../security/spec.js';
import { derivePorts, postgresPort } from './ports.js';
import { durationToMs, type Config } from './schema.js';
import { METRICS_ADDRESS, metricsPort } from '../ci/metrics.js';

export function toTopology(config: Config, projectDir: string): Topology {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(projectDir, p));
  const ports = derivePorts(config);
  const storageOf = (name: string, own: StorageKind | undefined): NodeStorage =>
    (own ?? config.storage) === 'postgres' ? { type: 'postgres', database: `${config.postgres.databasePrefix}${name}` } : { type: 'memory' };
  const address = (own: string | undefined) => own ?? config.address;
  const nodes = <N extends CantonNode>(kind: N['kind'], entries: Record<string, { address?: string; storage?: StorageKind }>, portsOf: Record<string, N['ports']>): N[] =>
    Object.entries(entries).map(([name, n]) => ({ kind, name, address: address(n.address), storage: storageOf(name, n.storage), ports: portsOf[name]! }) as N);

  const topology: Topology = {
    projectDir,
    stateDir: abs(config.stateDir),
    canton: {
      version: config.canton.version,
      ...(config.canton.jvmHeap ? { jvmHeap: config.canton.jvmHeap } : {}),
      ...(config.canton.sha256 ? { sha256: config.canton.sha256 } : {}),
    },
    synchronizer: { name: config.synchronizer.name },
    storage: config.storage,
    sequencers: nodes('sequencer', config.sequencers, ports.sequencers),
    mediators: nodes('mediator', config.mediators, ports.mediators),
    participants: nodes('participant', config.participants, ports.participants),
    parties: Object.entries(config.parties).filter(([, p]) => !p.decentralized).map(([name, p]) => ({
      name,
      participant: p.participant,
      ...(p.alsoHostedOn && Object.keys(p.alsoHostedOn).length > 0 ? { alsoHostedOn: Object.entries(p.alsoHostedOn).map(([participant, permission]) => ({ participant, permission })) } : {}),
    })),
    users: Object.entries(config.users).map(([id, u]) => userSpec(config, id, u)),
    dars: config.dars.map(abs),
    postgres: { ...config.postgres, port: postgresPort(config) },
    security: securitySpec(config, projectDir, abs(config.stateDir)),
  };
  const decentralized = decentralizedSpecs(config);
  if (decentralized.length > 0) topology.decentralizedParties = decentralized;
  if (topology.security.tls) for (const n of allNodes(topology)) n.tls = true;
  if (config.signer) topology.signer = signerSpec(config, abs);
  if (config.metrics?.enabled) topology.metrics = { address: METRICS_ADDRESS, port: metricsPort(config) };
  return topology;
}

function decentralizedSpecs(config: Config): DecentralizedPartySpec[] {
  return Object.entries(config.parties).flatMap(([name, p]) => {
    const d = p.decentralized;
    return d ? [{ name, owners: d.owners, threshold: d.threshold, confirmationThreshold: d.confirmationThreshold ?? d.threshold, permission: d.permission ?? 'confirmation', partyToKey: d.partyToKey }] : [];
  });
}

function userSpec(config: Config, id: string, u: Config['users'][string]): UserSpec {
  const primary = u.primaryParty;
  return {
    id,
    participant: u.participant ?? (primary ? config.parties[primary]?.participant : undefined) ?? '',
    ...(primary ? { primaryParty: primary } : {}),
    actAs: u.actAs ?? (primary ? [primary] : []),
    readAs: u.readAs ?? (primary ? [primary] : []),
    participantAdmin: u.participantAdmin,
  };
}

/**
 * Who the signer acts for. Defaults: party = the first party (on `participant` if that is set);
 * participant = the party's host; user = the first user on that participant that may act as the party.
 */
export function signerTarget(config: Config): { participant?: string; party?: string; user?: string } {
  const s = config.signer;
  if (!s) return {};
  const parties = Object.entries(config.parties);
  const party = s.party ?? (s.participant ? parties.find(([, p]) => p.participant === s.participant)?.[0] : parties[0]?.[0]);
  const participant = s.participant ?? (party ? config.parties[party]?.participant : undefined);
  const user =
    s.user ??
    Object.entries(config.users)
      .map(([id, u]) => userSpec(config, id, u))
      .find((u) => u.participant === participant && party !== undefined && u.actAs.includes(party))?.id;
  return { participant, party, user };
}

function signerSpec(config: Config, abs: (p: string) => string): SignerSpec {
  const s = config.signer!;
  const target = signerTarget(config);
  return {
    command: s.command,
    args: s.args,
    ...(s.cwd ? { cwd: abs(s.cwd) } : {}),
    env: s.env,
    ...(s.health ? { health: { url: s.health.url, timeoutMs: durationToMs(s.health.timeout) } } : {}),
    settleMs: durationToMs(s.settle),
    ...(s.secretsFile ? { secretsFile: abs(s.secretsFile) } : {}),
    passEnv: s.passEnv,
    participant: target.participant ?? '',
    party: target.party ?? '',
    user: target.user ?? '',
  };
}

/** `--storage`: every node uses that storage, whatever the file says per node. */
export function withStorage(topology: Topology, kind: StorageKind): Topology {
  const set = <T extends CantonNode>(n: T): T => ({
    ...n,
    storage: kind === 'postgres' ? { type: 'postgres', database: `${topology.postgres.databasePrefix}${n.name}` } : { type: 'memory' },
  });
  return {
    ...topology,
    storage: kind,
    sequencers: topology.sequencers.map(set),
    mediators: topology.mediators.map(set),
    participants: topology.participants.map(set),
  };
}

export function allNodes(topology: Topology): CantonNode[] {
  return [...topology.sequencers, ...topology.mediators, ...topology.participants];
}

export { connectAddress, jsonApiUrl } from './endpoints.js';

