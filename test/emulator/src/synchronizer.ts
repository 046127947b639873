// bootstrap.synchronizer as Canton 3.4.11 does it (ConsoleMacros.scala):
//  - the synchronizer id is `<name>::<namespace>` where the namespace is computed from the owners'
//    namespaces, a hash over the sorted owner fingerprints even for one owner
//    (DecentralizedNamespaceDefinition.computeNamespace, TopologyMapping.scala:748-756;
//    ConsoleMacros.scala:655-686);
//  - already bootstrapped means: every sequencer and mediator is initialized for exactly that id
//    (full id compared; ConsoleMacros.scala:593-634). A node initialized for another id is an error
//    ("has already been initialized for synchronizer X instead of Y"); a mix of initialized and fresh
//    nodes runs the bootstrap again for the fresh ones only (756-783, 908-925).
// So a restart whose owners have new identities (memory storage) computes a new id, and whatever
// persisted the old one (a Postgres mediator, the participants' registrations) no longer matches.
import { createHash } from 'node:crypto';
import type { Env } from './env.js';
import { CantonError } from './errors.js';
import type { MediatorDoc, SequencerDoc, SynchronizerTopology } from './state.js';

export interface BootstrapArgs { name: string; sequencers: string[]; mediators: string[]; owners: string[]; threshold: number; protocolVersion: number }

/** The owners' namespaces → the synchronizer's namespace (HashPurpose.DecentralizedNamespaceNamespace). */
export function synchronizerNamespace(ownerNamespaces: string[]): string {
  const h = createHash('sha256').update('DecentralizedNamespaceNamespace');
  for (const ns of [...new Set(ownerNamespaces)].sort()) h.update(ns);
  return '1220' + h.digest('hex');
}

const fail = (msg: string) => new CantonError('SYNCHRONIZER_BOOTSTRAP_FAILED', 9, `The synchronizer cannot be bootstrapped: ${msg}`);

export function bootstrapSynchronizer(env: Env, a: BootstrapArgs): { id: string; already: boolean } {
  if (a.sequencers.length === 0) throw fail('you need at least one sequencer');
  if (a.mediators.length === 0) throw fail('you need at least one mediator');
  const owners = a.owners.length > 0 ? a.owners : a.sequencers;
  const seqs = [...new Set(a.sequencers)].map((s) => env.sequencer(s));
  const meds = [...new Set(a.mediators)].map((m) => {
    const d = env.docs.get(m);
    if (!d || d.kind !== 'mediator') throw new CantonError('NODE_NOT_FOUND', 11, `mediator ${m} is not a local node of this process`);
    return d;
  });
  const ownerNs = owners.map((o) => {
    const d = env.docs.get(o);
    if (!d) throw new CantonError('NODE_NOT_FOUND', 11, `synchronizer owner ${o} is not a local node of this process`);
    return d.namespace;
  });
  const ns = synchronizerNamespace(ownerNs);
  const id = `${a.name}::${ns}`;
  const physicalId = `${id}::${a.protocolVersion}-0`;

  const member = (d: SequencerDoc | MediatorDoc) => `${d.kind === 'sequencer' ? 'SEQ' : 'MED'}::${d.uid}`;
  let initialized = 0;
  for (const s of seqs) {
    if (!s.synchronizer) continue;
    if (s.synchronizer.physicalId !== physicalId) throw fail(`${member(s)} has already been initialized for synchronizer ${s.synchronizer.physicalId} instead of ${physicalId}.`);
    initialized += 1;
  }
  for (const m of meds) {
    if (m.synchronizerId === null) continue;
    if (m.synchronizerId !== id) throw fail(`${member(m)} has already been initialized for synchronizer ${m.synchronizerId} instead of ${id}`);
    initialized += 1;
  }
  if (initialized === seqs.length + meds.length) return { id: physicalId, already: true };

  const topo: SynchronizerTopology = seqs.find((s) => s.synchronizer)?.synchronizer ?? {
    name: a.name, synchronizerId: id, physicalId, protocolVersion: a.protocolVersion,
    sequencers: a.sequencers, mediators: a.mediators, owners, threshold: a.threshold,
    partyToParticipant: {}, decentralizedNamespaces: { [ns]: { owners: ownerNs, threshold: a.threshold, serial: 1 } },
    vettedPackages: {},
  };
  for (const s of seqs) if (!s.synchronizer) s.synchronizer = topo;
  for (const m of meds) if (m.synchronizerId === null) m.synchronizerId = id;
  return { id: physicalId, already: false };
}
