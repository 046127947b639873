// Node-side operations for party hosting (topology) and vetting; console members in api-party.ts.
import type { Env } from './env.js';
import { CantonError } from './errors.js';
import type { HostingParticipant, ParticipantDoc, Permission, SynchronizerTopology } from './state.js';
import { listP2P, proposeP2P } from './topology.js';
import { clearOnboardingFlag, exportAcs, importAcs, type AcsFile } from './acs.js';
import { txView } from './external.js';

type A = Record<string, unknown>;
const s = (v: unknown): string => String(v ?? '');

/**
 * The synchronizer store a participant names by id (logical or physical). A participant has a store
 * only for a synchronizer it is registered with.
 */
export function storeOf(env: Env, p: ParticipantDoc, store: unknown): SynchronizerTopology {
  const id = s(store);
  const t = env.registeredTopologies(p).find((x) => x.synchronizerId === id || x.physicalId === id);
  if (!t) throw new CantonError('TOPOLOGY_STORE_NOT_FOUND', 11, `Topology store Synchronizer(${id}) is not known on ${p.uid}`);
  return t;
}

const PERMS = new Set<Permission>(['Submission', 'Confirmation', 'Observation']);
function hosting(v: unknown): HostingParticipant[] {
  if (!Array.isArray(v)) return [];
  return v.map((h: A) => {
    const perm = s(h.permission) as Permission;
    if (!PERMS.has(perm)) throw new CantonError('INVALID_ARGUMENT', 8, `unknown participant permission ${perm}`);
    return { participantUid: s(h.participantUid).replace(/^PAR::/, ''), permission: perm, onboarding: h.onboarding === true };
  });
}

export const PARTY_OPS: Record<string, (env: Env, node: string, a: A) => unknown> = {
  'participant.topology.p2p.propose': (env, node, a) => {
    const p = env.participant(node);
    const r = proposeP2P(env, p, storeOf(env, p, a.store), {
      party: s(a.party), participants: hosting(a.participants), threshold: Number(a.threshold ?? 1),
      serial: a.serial === undefined || a.serial === null ? undefined : Number(a.serial), mustFullyAuthorize: a.mustFullyAuthorize === true,
      ...(Array.isArray(a.signedBy) && a.signedBy.length > 0 ? { signedBy: a.signedBy.map(String) } : {}),
    });
    return { serial: r.serial, effective: r.effective, ...txView(r.mapping) };
  },
  'participant.topology.p2p.list': (env, node, a) => {
    const p = env.participant(node);
    return listP2P(storeOf(env, p, a.store), { proposals: a.proposals === true, filterParty: s(a.filterParty), filterParticipant: s(a.filterParticipant) });
  },
  'participant.topology.vetted.list': (env, node, a) => {
    const p = env.participant(node);
    const topos = a.store === undefined || a.store === null ? env.registeredTopologies(p) : [storeOf(env, p, a.store)];
    const filter = s(a.filterParticipant).replace(/^PAR::/, '');
    return topos.flatMap((t) => Object.entries(t.vettedPackages).filter(([uid]) => uid.startsWith(filter)).map(([uid, packages]) => ({ participantUid: uid, packages })));
  },
  'participant.parties.export_acs': (env, node, a) => exportAcs(env, node, { party: s(a.party), synchronizerId: s(a.synchronizerId), target: s(a.target), beginOffsetExclusive: Number(a.beginOffsetExclusive ?? 0) }),
  'participant.parties.import_acs': (env, node, a) => importAcs(env, node, a.file as AcsFile),
  'participant.parties.clear_onboarding_flag': (env, node, a) => clearOnboardingFlag(env, node, { party: s(a.party), synchronizerId: s(a.synchronizerId) }),
  // Test hook (no console member): see Env.allocateExternalParty.
  'participant.parties.allocate_external': (env, node, a) => env.allocateExternalParty(env.participant(node), s(a.name)),
};

export const PARTY_READ_ONLY = ['participant.topology.p2p.list', 'participant.topology.vetted.list'];
