// Node-side console operations. A console (the bootstrap script inside the daemon, or a separate
// `run` process through the admin JSON-RPC) calls these by name for one node; they act on the
// daemon's state. Arguments and results are plain JSON.
import { awaitOrderingNetwork } from './bft.js';
import type { Env } from './env.js';
import { PROTOCOL_VERSION } from './env.js';
import { CantonError } from './errors.js';
import { recordConsoleOp } from './faults.js';
import type { RightJson, UserRec } from './state.js';
import { PARTY_OPS, PARTY_READ_ONLY } from './ops-party.js';
import { NAMESPACE_OPS, NAMESPACE_READ_ONLY } from './namespaces.js';
import { EXTERNAL_OPS } from './external-ops.js';

type A = Record<string, unknown>;
type Op = (env: Env, node: string, a: A) => unknown;

const s = (v: unknown): string => String(v);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export function rightsFrom(a: A): RightJson[] {
  const r: RightJson[] = [];
  for (const p of strs(a.actAs)) r.push({ kind: { CanActAs: { value: { party: p } } } });
  for (const p of strs(a.readAs)) r.push({ kind: { CanReadAs: { value: { party: p } } } });
  for (const p of strs(a.executeAs)) r.push({ kind: { CanExecuteAs: { value: { party: p } } } });
  if (a.participantAdmin === true) r.push({ kind: { ParticipantAdmin: { value: {} } } });
  if (a.identityProviderAdmin === true) r.push({ kind: { IdentityProviderAdmin: { value: {} } } });
  if (a.readAsAnyParty === true) r.push({ kind: { CanReadAsAnyParty: { value: {} } } });
  if (a.executeAsAnyParty === true) r.push({ kind: { CanExecuteAsAnyParty: { value: {} } } });
  return r;
}

/** The console's UserRights shape: actAs/readAs sets plus flags. */
export function userRights(rs: RightJson[]): A {
  const out = { actAs: [] as string[], readAs: [] as string[], executeAs: [] as string[], participantAdmin: false, identityProviderAdmin: false, readAsAnyParty: false, executeAsAnyParty: false };
  for (const r of rs) {
    const [k, v] = Object.entries(r.kind)[0] ?? ['Empty', { value: {} }];
    const party = String((v.value as A).party ?? '');
    if (k === 'CanActAs') out.actAs.push(party);
    else if (k === 'CanReadAs') out.readAs.push(party);
    else if (k === 'CanExecuteAs') out.executeAs.push(party);
    else if (k === 'ParticipantAdmin') out.participantAdmin = true;
    else if (k === 'IdentityProviderAdmin') out.identityProviderAdmin = true;
    else if (k === 'CanReadAsAnyParty') out.readAsAnyParty = true;
    else if (k === 'CanExecuteAsAnyParty') out.executeAsAnyParty = true;
  }
  return out;
}

const userOut = (u: UserRec): A => ({ id: u.id, primaryParty: u.primaryParty || null, isDeactivated: u.isDeactivated, annotations: u.annotations, identityProviderId: u.identityProviderId });

export const OPS: Record<string, Op> = {
  'health.status': (env, node) => ({ running: env.docs.has(node), initialized: true }),
  'id': (env, node) => env.docs.get(node)?.uid ?? null,

  'sequencer.bootstrap_synchronizer': async (env, _node, a) => (await awaitOrderingNetwork(env.cfg.nodes, strs(a.sequencers), env.cfg.consoleBoundedMs), env.bootstrapSynchronizer({
    name: s(a.name), sequencers: strs(a.sequencers), mediators: strs(a.mediators), owners: strs(a.owners),
    threshold: Number(a.threshold ?? 1), protocolVersion: Number(a.protocolVersion ?? PROTOCOL_VERSION),
  })),

  'participant.connect_local': (env, node, a) => { env.connectLocal(env.participant(node), s(a.sequencer), s(a.alias), a.manualConnect === true); return null; },
  'participant.active': (env, node, a) => {
    const p = env.participant(node);
    const c = p.connections[s(a.alias)];
    // A sequencer now serving another synchronizer id (re-bootstrapped with new owners) is not the
    // synchronizer this alias was registered for: the handshake fails, the participant stays inactive.
    return !!c && c.connected && env.topologyOf(c.sequencer)?.synchronizerId === c.synchronizerId;
  },
  'participant.is_connected': (env, node, a) => env.participant(node).connections[s(a.alias)]?.connected === true,
  'participant.is_registered': (env, node, a) => env.participant(node).connections[s(a.alias)] !== undefined,
  'participant.list_connected': (env, node) => Object.values(env.participant(node).connections).filter((c) => c.connected)
    .map((c) => ({ synchronizerAlias: c.alias, synchronizerId: c.synchronizerId, physicalSynchronizerId: env.topologyOf(c.sequencer)?.physicalId ?? c.synchronizerId, healthy: true })),
  'participant.list_registered': (env, node) => Object.values(env.participant(node).connections).map((c) => ({ synchronizerAlias: c.alias, synchronizerId: c.synchronizerId, manualConnect: c.manualConnect, connected: c.connected })),
  'participant.disconnect': (env, node, a) => { const c = env.participant(node).connections[s(a.alias)]; if (c) c.connected = false; return null; },
  'participant.disconnect_all': (env, node) => { for (const c of Object.values(env.participant(node).connections)) c.connected = false; return null; },
  'participant.reconnect': (env, node, a) => {
    const c = env.participant(node).connections[s(a.alias)];
    if (!c) throw new CantonError('SYNCHRONIZER_ALIAS_NOT_FOUND', 11, `The synchronizer with alias ${s(a.alias)} is unknown.`);
    c.connected = true; return true;
  },
  'participant.reconnect_all': (env, node) => { for (const c of Object.values(env.participant(node).connections)) if (!c.manualConnect) c.connected = true; return null; },
  'participant.modify': (env, node, a) => {
    const c = env.participant(node).connections[s(a.alias)];
    if (!c) throw new CantonError('SYNCHRONIZER_ALIAS_NOT_FOUND', 11, `The synchronizer with alias ${s(a.alias)} is unknown.`);
    if (typeof a.manualConnect === 'boolean') c.manualConnect = a.manualConnect;
    if (typeof a.priority === 'number') c.priority = a.priority;
    return null;
  },
  'participant.id_of': (env, node, a) => {
    const c = env.participant(node).connections[s(a.alias)];
    if (!c) throw new CantonError('SYNCHRONIZER_ALIAS_NOT_FOUND', 11, `The synchronizer with alias ${s(a.alias)} is unknown.`);
    return c.synchronizerId;
  },

  // On an existing name this fails with TOPOLOGY_MAPPING_ALREADY_EXISTS, as in Canton (env.allocateParty).
  'participant.parties.enable': (env, node, a) => env.allocateParty(env.participant(node), s(a.name), { synchronizerAlias: a.synchronizer === undefined || a.synchronizer === null ? undefined : s(a.synchronizer), via: 'console' }),
  'participant.parties.list': (env, node, a) => {
    const p = env.participant(node);
    const out: A[] = [];
    for (const t of env.registeredTopologies(p)) {
      for (const m of Object.values(t.partyToParticipant)) {
        if (a.filterParty && !m.party.startsWith(s(a.filterParty))) continue;
        if (a.filterParticipant && !m.participants.some((h) => h.participantUid.startsWith(s(a.filterParticipant)))) continue;
        out.push({ party: m.party, synchronizerId: t.synchronizerId, threshold: m.threshold, participants: m.participants });
      }
    }
    return out;
  },
  'participant.dars.upload': (env, node, a) => env.uploadDar(env.participant(node), Buffer.from(s(a.bytes), 'base64'), s(a.name)),
  'participant.dars.list': (env, node) => Object.values(env.participant(node).packages),
  'participant.ledger_end': (env, node) => env.participant(node).offset,

  'participant.users.create': (env, node, a) => {
    const p = env.participant(node);
    const u = env.createUser(p, { id: s(a.id), primaryParty: a.primaryParty ? s(a.primaryParty) : '', isDeactivated: a.isDeactivated === true, annotations: (a.annotations as Record<string, string>) ?? {}, identityProviderId: a.identityProviderId ? s(a.identityProviderId) : '' }, rightsFrom(a));
    return userOut(u);
  },
  'participant.users.get': (env, node, a) => userOut(env.user(env.participant(node), s(a.id))),
  'participant.users.delete': (env, node, a) => { const p = env.participant(node); env.user(p, s(a.id), 'deleting user'); delete p.users[s(a.id)]; return null; },
  'participant.users.list': (env, node, a) => {
    const users = Object.values(env.participant(node).users).filter((u) => !a.filterUser || u.id.startsWith(s(a.filterUser))).sort((x, y) => x.id.localeCompare(y.id));
    return { users: users.map(userOut), nextPageToken: '' };
  },
  'participant.users.rights.grant': (env, node, a) => userRights(env.grant(env.user(env.participant(node), s(a.id), 'granting rights'), rightsFrom(a))),
  'participant.users.rights.revoke': (env, node, a) => userRights(env.revoke(env.user(env.participant(node), s(a.id), 'revoking rights'), rightsFrom(a))),
  'participant.users.rights.list': (env, node, a) => userRights(env.user(env.participant(node), s(a.id), 'listing rights').rights),

  'participant.pruning.get_schedule': (env, node) => env.participant(node).pruning.schedule,
  'participant.pruning.set_schedule': (env, node, a) => { env.participant(node).pruning.schedule = { cron: s(a.cron), maxDurationMs: Number(a.maxDuration), retentionMs: Number(a.retention) }; return null; },
  'participant.pruning.clear_schedule': (env, node) => { env.participant(node).pruning.schedule = null; return null; },
  ...PARTY_OPS,
  ...NAMESPACE_OPS,
  ...EXTERNAL_OPS,
};

/** Ops that only read state; everything else is persisted after it ran. */
export const READ_ONLY = new Set(['health.status', 'id', 'participant.active', 'participant.is_connected', 'participant.is_registered', 'participant.list_connected', 'participant.list_registered', 'participant.id_of', 'participant.parties.list', 'participant.dars.list', 'participant.ledger_end', 'participant.users.get', 'participant.users.list', 'participant.users.rights.list', 'participant.pruning.get_schedule', ...PARTY_READ_ONLY, ...NAMESPACE_READ_ONLY]);

export async function runOp(env: Env, node: string, op: string, args: A): Promise<unknown> {
  const f = OPS[op];
  if (!f) throw new CantonError('UNKNOWN_OPERATION', 8, `unknown console operation ${op}`);
  if (!env.docs.has(node)) throw new CantonError('NODE_NOT_FOUND', 11, `${node} is not a node of this process`);
  let r: unknown;
  try { r = await f(env, node, args); } catch (e) { recordConsoleOp(node, op, false); throw e; }
  recordConsoleOp(node, op, true);
  if (!READ_ONLY.has(op)) await env.save();
  return r;
}
