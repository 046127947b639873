// The console API the emulator understands: for each receiver kind, the members (by dotted path)
// with their parameter lists as in Canton 3.4.11 (FACTS §3). Parameter names matter: the
// interpreter binds arguments to them like scalac and rejects unknown names.
//   'name'   required          'name?'  has a default
//   '=>name' by-name (lazy)    '*name'  varargs
import { readFile, stat } from 'node:fs/promises';
import { ACS_MEMBERS, DUR_MEMBERS, ENUM_MEMBERS, PARTY_PARTICIPANT } from './api-party.js';
import { NAMESPACE_GLOBALS, NAMESPACE_PARTICIPANT, NAMESPACE_STATICS } from './namespaces-api.js';
import { EXTERNAL_KINDS, EXTERNAL_PARTICIPANT, JAVA_NIO } from './external-console.js';
import { basename, resolve as resolvePath } from 'node:path';
import type { NodeKind } from './config.js';
import {
  type V, type VO, dur, enumV, group, is, isVO, node, opt, party, pid, posint, rec, seq, show, sid, tuple,
} from './values.js';

export interface ConsoleHost {
  nodes: Array<{ name: string; kind: NodeKind; local: boolean }>;
  rpc(node: string, op: string, args: Record<string, unknown>): Promise<unknown>;
  print(line: string): void;
  startLocal(): Promise<void>;
  boundedMs: number;
}
export interface Rt {
  host: ConsoleHost;
  force(v: V): Promise<V>;                    // evaluate a by-name argument
  apply(fn: V, args: V[]): Promise<V>;        // call a lambda
}
export class ConsoleRuntimeError extends Error {}
export interface Cmd {
  params?: string[];              // undefined: a property (no argument list)
  ret?: string;                   // static receiver kind of the result, for checking chains
  alt?: Cmd;                      // curried overload used as `f(a)(b)`
  run(rt: Rt, self: V, a: Record<string, V>): Promise<V> | V;
}

const fail = (m: string): never => { throw new ConsoleRuntimeError(m); };
const str = (v: V | undefined, what = 'value'): string => {
  if (typeof v === 'string') return v;
  if (is(v ?? null, 'node')) return String((v as VO).name); // SequencerReference used as alias
  if (is(v ?? null, 'sid')) return String((v as VO).id);
  return fail(`type mismatch: expected String for ${what}, found ${show(v ?? null)}`);
};
const int = (v: V | undefined): number => (typeof v === 'number' ? v : is(v ?? null, 'posint') ? Number((v as VO).n) : fail(`type mismatch: expected Int, found ${show(v ?? null)}`));
const ms = (v: V | undefined): number => (is(v ?? null, 'dur') ? Number((v as VO).ms) : fail(`type mismatch: expected a duration, found ${show(v ?? null)}`));
const bool = (v: V | undefined, d: boolean): boolean => (v === undefined ? d : typeof v === 'boolean' ? v : fail(`type mismatch: expected Boolean, found ${show(v)}`));
const items = (v: V | undefined): V[] => (v === undefined ? [] : is(v, 'seq') ? (v.items as V[]) : is(v, 'group') ? (v.members as V[]) : fail(`type mismatch: expected a Seq, found ${show(v)}`));
const nodeName = (v: V | undefined, kind?: NodeKind): string => {
  if (!is(v ?? null, 'node')) return fail(`type mismatch: expected a ${kind ?? 'node'} reference, found ${show(v ?? null)}`);
  const n = v as VO;
  if (kind && n.kind !== kind) fail(`type mismatch: expected a ${kind} reference, found ${show(n)}`);
  return String(n.name);
};
const partyId = (v: V): string => (is(v, 'party') ? String(v.id) : typeof v === 'string' ? v : fail(`type mismatch: expected PartyId, found ${show(v)}`));
const parties = (v: V | undefined): string[] => items(v).map(partyId);
const self = (v: V): string => String((v as VO).name);

const cmd = (params: string[], run: Cmd['run'], ret?: string): Cmd => ({ params, run, ret });
const prop = (run: Cmd['run'], ret?: string): Cmd => ({ run, ret });
const rpc = (rt: Rt, n: string, op: string, a: Record<string, unknown> = {}) => rt.host.rpc(n, op, a);

function members(rt: Rt, kind: NodeKind | undefined, scope: 'all' | 'local' | 'remote'): VO[] {
  return rt.host.nodes.filter((n) => (kind === undefined || n.kind === kind) && (scope === 'all' || (scope === 'local') === n.local)).map((n) => node(n.kind, n.name));
}

const userRec = (u: Record<string, unknown>): VO => rec('User', {
  id: String(u.id), primaryParty: u.primaryParty ? opt(party(String(u.primaryParty))) : opt(undefined),
  isDeactivated: Boolean(u.isDeactivated), identityProviderId: String(u.identityProviderId ?? ''),
});
const rightsRec = (r: Record<string, unknown>): VO => rec('UserRights', {
  actAs: seq((r.actAs as string[]).map(party), true), readAs: seq((r.readAs as string[]).map(party), true),
  executeAs: seq((r.executeAs as string[]).map(party), true), participantAdmin: Boolean(r.participantAdmin),
  identityProviderAdmin: Boolean(r.identityProviderAdmin), readAsAnyParty: Boolean(r.readAsAnyParty), executeAsAnyParty: Boolean(r.executeAsAnyParty),
});
const rightsArgs = (a: Record<string, V>): Record<string, unknown> => ({
  actAs: parties(a.actAs), readAs: parties(a.readAs), executeAs: parties(a.executeAs),
  participantAdmin: bool(a.participantAdmin, false), identityProviderAdmin: bool(a.identityProviderAdmin, false),
  readAsAnyParty: bool(a.readAsAnyParty, false), executeAsAnyParty: bool(a.executeAsAnyParty, false),
});

async function readDar(path: string): Promise<string> {
  try { return (await readFile(path)).toString('base64'); } catch (e) {
    return fail(`DAR_NOT_FOUND: Failed to read DAR file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
  }
}

const DAR_UPLOAD = ['path', 'description?', 'synchronizerId?', 'vetAllPackages?', 'synchronizeVetting?', 'expectedMainPackageId?', 'requestHeaders?'];
const CONNECT_LOCAL = ['sequencer', 'alias', 'manualConnect?', 'physicalSynchronizerId?', 'maxRetryDelayMillis?', 'priority?', 'synchronize?', 'validation?'];
const USER_CREATE = ['id', 'actAs?', 'primaryParty?', 'readAs?', 'participantAdmin?', 'identityProviderAdmin?', 'isDeactivated?', 'annotations?', 'identityProviderId?', 'readAsAnyParty?', 'executeAs?', 'executeAsAnyParty?'];
const RIGHTS = ['id', 'actAs?', 'readAs?', 'participantAdmin?', 'identityProviderAdmin?', 'identityProviderId?', 'readAsAnyParty?', 'executeAs?', 'executeAsAnyParty?'];

function nodeCommon(kind: NodeKind): Record<string, Cmd> {
  return {
    id: prop(async (rt, s) => {
      const uid = String(await rpc(rt, self(s), 'id'));
      return kind === 'participant' ? pid(uid) : rec('NodeId', { uid, toProtoPrimitive: uid });
    }, kind === 'participant' ? 'pid' : undefined),
    name: prop((_rt, s) => self(s), 'string'),
    'health.is_running': cmd([], async (rt, s) => Boolean(((await rpc(rt, self(s), 'health.status')) as { running: boolean }).running), 'boolean'),
    'health.initialized': cmd([], async (rt, s) => Boolean(((await rpc(rt, self(s), 'health.status')) as { initialized: boolean }).initialized), 'boolean'),
    'health.wait_for_running': cmd([], async (rt, s) => { await rpc(rt, self(s), 'health.status'); return null; }),
    'health.wait_for_initialized': cmd([], async (rt, s) => { await rpc(rt, self(s), 'health.status'); return null; }),
    'health.has_identity': cmd([], () => true, 'boolean'),
    start: cmd([], async (rt) => { await rt.host.startLocal(); return null; }),
  };
}

function groupCmds(kind: NodeKind | 'node'): Record<string, Cmd> {
  const c: Record<string, Cmd> = {
    foreach: cmd(['f'], async (rt, s, a) => { for (const m of items(s)) await rt.apply(a.f!, [m]); return null; }),
    map: cmd(['f'], async (rt, s, a) => { const out: V[] = []; for (const m of items(s)) out.push(await rt.apply(a.f!, [m])); return seq(out); }, 'seq'),
    filter: cmd(['p'], async (rt, s, a) => { const out: V[] = []; for (const m of items(s)) if ((await rt.apply(a.p!, [m])) === true) out.push(m); return group(kind, out as VO[]); }, `group:${kind}`),
    head: prop((_rt, s) => items(s)[0] ?? fail('head of empty list'), kind === 'node' ? undefined : kind),
    size: prop((_rt, s) => items(s).length, 'number'),
    length: prop((_rt, s) => items(s).length, 'number'),
    isEmpty: prop((_rt, s) => items(s).length === 0, 'boolean'),
    nonEmpty: prop((_rt, s) => items(s).length > 0, 'boolean'),
    toSeq: prop((_rt, s) => s, `group:${kind}`),
  };
  if (kind === 'node') {
    c.start = cmd([], async (rt) => { await rt.host.startLocal(); return null; });
    c.stop = cmd([], () => null);
  }
  if (kind === 'participant') {
    c['dars.upload'] = cmd(DAR_UPLOAD, async (rt, s, a) => {
      const path = str(a.path, 'path');
      const bytes = await readDar(path);
      const out: Array<[V, V]> = [];
      for (const m of items(s)) out.push([m, String(await rpc(rt, self(m), 'participant.dars.upload', { name: path, bytes }))]);
      return rec('Map', Object.fromEntries(out.map(([k, v]) => [self(k), v])));
    });
    c['synchronizers.connect_local'] = cmd(CONNECT_LOCAL, async (rt, s, a) => {
      for (const m of items(s)) await rpc(rt, self(m), 'participant.connect_local', { sequencer: nodeName(a.sequencer, 'sequencer'), alias: str(a.alias), manualConnect: bool(a.manualConnect, false) });
      return null;
    });
    c['synchronizers.disconnect_all'] = cmd([], async (rt, s) => { for (const m of items(s)) await rpc(rt, self(m), 'participant.disconnect_all'); return null; });
    c['synchronizers.reconnect_all'] = cmd(['ignoreFailures?', 'synchronize?'], async (rt, s) => { for (const m of items(s)) await rpc(rt, self(m), 'participant.reconnect_all'); return null; });
  }
  return c;
}

const participant: Record<string, Cmd> = {
  ...nodeCommon('participant'),
  'synchronizers.connect_local': cmd(CONNECT_LOCAL, async (rt, s, a) => {
    await rpc(rt, self(s), 'participant.connect_local', { sequencer: nodeName(a.sequencer, 'sequencer'), alias: str(a.alias, 'alias'), manualConnect: bool(a.manualConnect, false) });
    return null;
  }),
  'synchronizers.active': cmd(['synchronizerAlias'], async (rt, s, a) => Boolean(await rpc(rt, self(s), 'participant.active', { alias: str(a.synchronizerAlias) })), 'boolean'),
  'synchronizers.is_connected': cmd(['synchronizerAlias'], async (rt, s, a) => Boolean(await rpc(rt, self(s), 'participant.is_connected', { alias: str(a.synchronizerAlias) })), 'boolean'),
  'synchronizers.is_registered': cmd(['synchronizerAlias'], async (rt, s, a) => Boolean(await rpc(rt, self(s), 'participant.is_registered', { alias: str(a.synchronizerAlias) })), 'boolean'),
  'synchronizers.config': cmd(['synchronizerAlias'], async (rt, s, a) => {
    const alias = str(a.synchronizerAlias);
    const reg = ((await rpc(rt, self(s), 'participant.list_registered')) as Array<Record<string, unknown>>).find((c) => c.synchronizerAlias === alias);
    return opt(reg ? rec('SynchronizerConnectionConfig', { synchronizerAlias: alias, manualConnect: Boolean(reg.manualConnect), priority: 0 }) : undefined);
  }, 'opt'),
  'synchronizers.list_connected': cmd([], async (rt, s) => seq(((await rpc(rt, self(s), 'participant.list_connected')) as Array<Record<string, string>>)
    .map((c) => rec('ListConnectedSynchronizersResult', { synchronizerAlias: c.synchronizerAlias!, synchronizerId: sid(c.synchronizerId!), physicalSynchronizerId: sid(c.physicalSynchronizerId!), healthy: true }))), 'seq'),
  'synchronizers.list_registered': cmd([], async (rt, s) => seq(((await rpc(rt, self(s), 'participant.list_registered')) as Array<Record<string, unknown>>)
    .map((c) => tuple([rec('SynchronizerConnectionConfig', { synchronizerAlias: String(c.synchronizerAlias), manualConnect: Boolean(c.manualConnect) }), sid(String(c.synchronizerId)), Boolean(c.connected)]))), 'seq'),
  'synchronizers.disconnect': cmd(['synchronizerAlias'], async (rt, s, a) => { await rpc(rt, self(s), 'participant.disconnect', { alias: str(a.synchronizerAlias) }); return null; }),
  'synchronizers.disconnect_local': cmd(['synchronizerAlias'], async (rt, s, a) => { await rpc(rt, self(s), 'participant.disconnect', { alias: str(a.synchronizerAlias) }); return null; }),
  'synchronizers.disconnect_all': cmd([], async (rt, s) => { await rpc(rt, self(s), 'participant.disconnect_all'); return null; }),
  'synchronizers.reconnect': cmd(['synchronizerAlias', 'retry?', 'synchronize?'], async (rt, s, a) => Boolean(await rpc(rt, self(s), 'participant.reconnect', { alias: str(a.synchronizerAlias) })), 'boolean'),
  'synchronizers.reconnect_local': cmd(['synchronizerAlias', 'retry?', 'synchronize?'], async (rt, s, a) => Boolean(await rpc(rt, self(s), 'participant.reconnect', { alias: str(a.synchronizerAlias) })), 'boolean'),
  'synchronizers.reconnect_all': cmd(['ignoreFailures?', 'synchronize?'], async (rt, s) => { await rpc(rt, self(s), 'participant.reconnect_all'); return null; }),
  'synchronizers.modify': cmd(['synchronizerAlias', 'modifier', 'validation?', 'physicalSynchronizerId?'], async (rt, s, a) => {
    const alias = str(a.synchronizerAlias);
    const reg = ((await rpc(rt, self(s), 'participant.list_registered')) as Array<Record<string, unknown>>).find((c) => c.synchronizerAlias === alias);
    if (!reg) fail(`SYNCHRONIZER_ALIAS_NOT_FOUND: The synchronizer with alias ${alias} is unknown.`);
    const before = rec('SynchronizerConnectionConfig', { synchronizerAlias: alias, manualConnect: Boolean(reg!.manualConnect), priority: 0 });
    const after = await rt.apply(a.modifier!, [before]);
    if (!is(after, 'rec')) fail('modifier must return a SynchronizerConnectionConfig');
    await rpc(rt, self(s), 'participant.modify', { alias, ...((after as VO).f as Record<string, unknown>) });
    return null;
  }),
  'synchronizers.id_of': cmd(['synchronizerAlias'], async (rt, s, a) => sid(String(await rpc(rt, self(s), 'participant.id_of', { alias: str(a.synchronizerAlias) }))), 'sid'),
  'parties.enable': cmd(['name', 'namespace?', 'synchronizer?', 'synchronizeParticipants?', 'synchronize?'], async (rt, s, a) =>
    party(String(await rpc(rt, self(s), 'participant.parties.enable', { name: str(a.name, 'name'), synchronizer: a.synchronizer === undefined ? null : is(a.synchronizer, 'opt') ? ('v' in a.synchronizer ? str(a.synchronizer.v as V) : null) : str(a.synchronizer) }))), 'party'),
  'parties.list': cmd(['filterParty?', 'filterParticipant?', 'synchronizerIds?', 'asOf?', 'limit?'], async (rt, s, a) =>
    listParties(rt, self(s), optStr(a.filterParty), optStr(a.filterParticipant), a.limit), 'seq'),
  // hosted = list filtered to this participant (PartiesAdministration: filterParticipant = participantId.filterString).
  'parties.hosted': cmd(['filterParty?', 'synchronizerIds?', 'asOf?', 'limit?'], async (rt, s, a) =>
    listParties(rt, self(s), optStr(a.filterParty), String(await rpc(rt, self(s), 'id')), a.limit), 'seq'),
  'parties.find': cmd(['filterParty'], async (rt, s, a) => {
    const found = items(await listParties(rt, self(s), str(a.filterParty, 'filterParty'), '', undefined));
    if (found.length !== 1) fail(`Found ${found.length} parties matching "${str(a.filterParty)}": expected exactly one`);
    return ((found[0] as VO).f as Record<string, V>).party!;
  }, 'party'),
  'dars.upload': cmd(DAR_UPLOAD, async (rt, s, a) => {
    const path = str(a.path, 'path');
    return String(await rpc(rt, self(s), 'participant.dars.upload', { name: path, bytes: await readDar(path) }));
  }, 'string'),
  'dars.list': cmd(['limit?', 'filterName?'], async (rt, s) => seq(((await rpc(rt, self(s), 'participant.dars.list')) as Array<Record<string, unknown>>).map((d) => rec('DarDescription', { mainPackageId: String(d.packageId), name: String(d.name) }))), 'seq'),
  'ledger_api.state.end': cmd([], async (rt, s) => Number(await rpc(rt, self(s), 'participant.ledger_end')), 'number'),
  'ledger_api.users.create': cmd(USER_CREATE, async (rt, s, a) => userRec((await rpc(rt, self(s), 'participant.users.create', {
    id: str(a.id, 'id'), ...rightsArgs(a), primaryParty: a.primaryParty === undefined ? '' : is(a.primaryParty, 'opt') ? ('v' in a.primaryParty ? partyId(a.primaryParty.v as V) : '') : partyId(a.primaryParty),
    isDeactivated: bool(a.isDeactivated, false), identityProviderId: a.identityProviderId === undefined ? '' : str(a.identityProviderId),
  })) as Record<string, unknown>), 'rec:User'),
  'ledger_api.users.get': cmd(['id', 'identityProviderId?'], async (rt, s, a) => userRec((await rpc(rt, self(s), 'participant.users.get', { id: str(a.id, 'id') })) as Record<string, unknown>), 'rec:User'),
  'ledger_api.users.delete': cmd(['id', 'identityProviderId?'], async (rt, s, a) => { await rpc(rt, self(s), 'participant.users.delete', { id: str(a.id, 'id') }); return null; }),
  'ledger_api.users.list': cmd(['filterUser?', 'pageToken?', 'pageSize?', 'identityProviderId?'], async (rt, s, a) => {
    const r = (await rpc(rt, self(s), 'participant.users.list', { filterUser: a.filterUser === undefined ? '' : str(a.filterUser) })) as { users: Array<Record<string, unknown>>; nextPageToken: string };
    return rec('ListUsersResult', { users: seq(r.users.map(userRec)), nextPageToken: r.nextPageToken });
  }, 'rec:ListUsersResult'),
  'ledger_api.users.rights.grant': cmd(RIGHTS, async (rt, s, a) => rightsRec((await rpc(rt, self(s), 'participant.users.rights.grant', { id: str(a.id, 'id'), ...rightsArgs(a) })) as Record<string, unknown>), 'rec:UserRights'),
  'ledger_api.users.rights.revoke': cmd(RIGHTS, async (rt, s, a) => rightsRec((await rpc(rt, self(s), 'participant.users.rights.revoke', { id: str(a.id, 'id'), ...rightsArgs(a) })) as Record<string, unknown>), 'rec:UserRights'),
  'ledger_api.users.rights.list': cmd(['id', 'identityProviderId?'], async (rt, s, a) => rightsRec((await rpc(rt, self(s), 'participant.users.rights.list', { id: str(a.id, 'id') })) as Record<string, unknown>), 'rec:UserRights'),
  'pruning.get_schedule': cmd([], async (rt, s) => {
    const r = (await rpc(rt, self(s), 'participant.pruning.get_schedule')) as Record<string, unknown> | null;
    return opt(r ? rec('PruningSchedule', { cron: String(r.cron), maxDuration: dur(Number(r.maxDurationMs)), retention: dur(Number(r.retentionMs)) }) : undefined);
  }, 'opt'),
  'pruning.set_schedule': cmd(['cron', 'maxDuration', 'retention'], async (rt, s, a) => { await rpc(rt, self(s), 'participant.pruning.set_schedule', { cron: str(a.cron), maxDuration: ms(a.maxDuration), retention: ms(a.retention) }); return null; }),
  'pruning.clear_schedule': cmd([], async (rt, s) => { await rpc(rt, self(s), 'participant.pruning.clear_schedule'); return null; }),
};

const optStr = (v: V | undefined): string => (v === undefined ? '' : str(v));

async function listParties(rt: Rt, node: string, filterParty: string, filterParticipant: string, limit: V | undefined): Promise<VO> {
  const rows = (await rpc(rt, node, 'participant.parties.list', { filterParty, filterParticipant })) as Array<Record<string, unknown>>;
  const byParty = new Map<string, Array<Record<string, string>>>();
  for (const p of rows) byParty.set(String(p.party), [...(byParty.get(String(p.party)) ?? []), ...(p.participants as Array<Record<string, string>>)]);
  const out = [...byParty].map(([id, hs]) => rec('ListPartiesResult', {
    party: party(id),
    participants: seq(hs.map((h) => rec('ParticipantSynchronizers', { participant: pid(h.participantUid!), permission: enumV('ParticipantPermission', h.permission!) }))),
  }));
  return seq(limit === undefined ? out : out.slice(0, int(limit)));
}

async function fileInfo(path: string): Promise<{ file: boolean; dir: boolean; size: number } | null> {
  try { const st = await stat(path); return { file: st.isFile(), dir: st.isDirectory(), size: st.size }; } catch { return null; }
}

function retry(rt: Rt, timeoutMs: number, maxWaitMs: number, cond: V, failure: V | undefined): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  let wait = 10;
  const loop = async (): Promise<V> => {
    for (;;) {
      if ((await rt.force(cond)) === true) return null;
      if (Date.now() >= deadline) {
        const why = failure === undefined ? 'Condition never became true.' : show(await rt.force(failure));
        return fail(`${why} (timeout ${timeoutMs} ms)`);
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, maxWaitMs);
    }
  };
  return loop();
}

const namespace = (kind: NodeKind | undefined, gk: string): Record<string, Cmd> => ({
  all: prop((rt) => group(kind ?? 'node', members(rt, kind, 'all')), `group:${gk}`),
  local: prop((rt) => group(kind ?? 'node', members(rt, kind, 'local')), `group:${gk}`),
  remote: prop((rt) => group(kind ?? 'node', members(rt, kind, 'remote')), `group:${gk}`),
});

const durUnits: Record<string, number> = { millis: 1, milli: 1, milliseconds: 1, millisecond: 1, second: 1e3, seconds: 1e3, minute: 6e4, minutes: 6e4, hour: 3.6e6, hours: 3.6e6, day: 8.64e7, days: 8.64e7 };

export const API: Record<string, Record<string, Cmd>> = {
  participant: { ...participant, ...PARTY_PARTICIPANT, ...ACS_MEMBERS, ...NAMESPACE_PARTICIPANT, ...EXTERNAL_PARTICIPANT },
  ...NAMESPACE_STATICS,
  ...EXTERNAL_KINDS,
  enum: ENUM_MEMBERS,
  sequencer: nodeCommon('sequencer'),
  mediator: nodeCommon('mediator'),
  'group:participant': groupCmds('participant'),
  'group:sequencer': groupCmds('sequencer'),
  'group:mediator': groupCmds('mediator'),
  'group:node': groupCmds('node'),
  'static:participants': namespace('participant', 'participant'),
  'static:sequencers': namespace('sequencer', 'sequencer'),
  'static:mediators': namespace('mediator', 'mediator'),
  'static:nodes': namespace(undefined, 'node'),
  'static:bootstrap': {
    synchronizer: cmd(['synchronizerName', 'sequencers', 'mediators', 'synchronizerOwners', 'synchronizerThreshold', 'staticSynchronizerParameters', 'mediatorRequestAmplification?', 'mediatorThreshold?'], async (rt, _s, a) => {
      const seqs = items(a.sequencers).map((x) => nodeName(x, 'sequencer'));
      const p = a.staticSynchronizerParameters;
      const pv = is(p ?? null, 'rec') ? Number(((p as VO).f as Record<string, V>).protocolVersion) : 34;
      const r = (await rpc(rt, seqs[0] ?? fail('bootstrap.synchronizer: sequencers must not be empty'), 'sequencer.bootstrap_synchronizer', {
        name: str(a.synchronizerName, 'synchronizerName'), sequencers: seqs, mediators: items(a.mediators).map((x) => nodeName(x, 'mediator')),
        owners: items(a.synchronizerOwners).map((x) => nodeName(x)), threshold: int(a.synchronizerThreshold), protocolVersion: pv,
      })) as { id: string; already: boolean };
      if (r.already) rt.host.print(`Synchronizer ${str(a.synchronizerName)} has already been bootstrapped with ID ${r.id}`);
      return sid(r.id);
    }, 'sid'),
  },
  'static:utils': {
    retry_until_true: {
      params: ['=>condition'],
      run: (rt, _s, a) => retry(rt, rt.host.boundedMs, 10_000, a.condition!, undefined),
      alt: cmd(['timeout', 'maxWaitPeriod?'], (_rt, _s, a) => ({ k: 'native', cmd: cmd(['=>condition', '=>failure?'], (rt2, _s2, b) => retry(rt2, ms(a.timeout), a.maxWaitPeriod === undefined ? 10_000 : ms(a.maxWaitPeriod), b.condition!, b.failure)) })),
    },
    synchronize_topology: cmd(['timeout?'], () => null),
  },
  'static:console': { set_command_timeout: cmd(['newTimeout'], (rt, _s, a) => { rt.host.boundedMs = ms(a.newTimeout); return null; }) },
  'static:PositiveInt': {
    one: prop(() => posint(1), 'posint'), two: prop(() => posint(2), 'posint'), three: prop(() => posint(3), 'posint'),
    tryCreate: cmd(['n'], (_rt, _s, a) => { const n = int(a.n); return n > 0 ? posint(n) : fail(`Received the non-positive value ${n}`); }, 'posint'),
  },
  'static:NonNegativeInt': {
    zero: prop(() => 0, 'number'), one: prop(() => 1, 'number'),
    tryCreate: cmd(['n'], (_rt, _s, a) => { const n = int(a.n); return n >= 0 ? n : fail(`Received the negative value ${n}`); }, 'number'),
  },
  'static:ProtocolVersion': {
    latest: prop(() => rec('ProtocolVersion', { v: 34 })), forSynchronizer: prop(() => rec('ProtocolVersion', { v: Number(process.env.CANTON_PROTOCOL_VERSION ?? 34) })),
    v34: prop(() => rec('ProtocolVersion', { v: 34 })), dev: prop(() => rec('ProtocolVersion', { v: 2147483647 })),
  },
  'static:StaticSynchronizerParameters': {
    // SynchronizerParameters.scala:99-103: (protocolVersion, serial = 0, topologyChangeDelay = default).
    defaultsWithoutKMS: cmd(['protocolVersion', 'serial?', 'topologyChangeDelay?'], (_rt, _s, a) =>
      rec('StaticSynchronizerParameters', { protocolVersion: is(a.protocolVersion ?? null, 'rec') ? (((a.protocolVersion as VO).f as Record<string, V>).v ?? 34) : int(a.protocolVersion) })),
  },
  'static:ParticipantPermission': {
    Submission: prop(() => enumV('ParticipantPermission', 'Submission')), Confirmation: prop(() => enumV('ParticipantPermission', 'Confirmation')), Observation: prop(() => enumV('ParticipantPermission', 'Observation')),
  },
  // `new java.io.File(path).isFile`: the few JDK members scripts use to look at the console host.
  'static:java': {
    'io.File': cmd(['pathname'], (_rt, _s, a) => ({ k: 'file', path: str(a.pathname, 'pathname') }), 'file'),
    ...JAVA_NIO,
  },
  'static:SynchronizerAlias': { tryCreate: cmd(['str'], (_rt, _s, a) => str(a.str), 'string') },
  global: {
    println: cmd(['x?'], (rt, _s, a) => { rt.host.print(a.x === undefined ? '' : show(a.x)); return null; }, 'unit'),
    print: cmd(['x'], (rt, _s, a) => { rt.host.print(show(a.x!)); return null; }, 'unit'),
    Seq: cmd(['*elems'], (_rt, _s, a) => seq(items(a.elems)), 'seq'),
    List: cmd(['*elems'], (_rt, _s, a) => seq(items(a.elems)), 'seq'),
    Set: cmd(['*elems'], (_rt, _s, a) => { const out: V[] = []; for (const x of items(a.elems)) if (!out.some((y) => JSON.stringify(y) === JSON.stringify(x))) out.push(x); return seq(out, true); }, 'seq'),
    Map: cmd(['*elems'], (_rt, _s, a) => rec('Map', Object.fromEntries(items(a.elems).map((t) => (is(t, 'tuple') ? [show((t.items as V[])[0]!), (t.items as V[])[1]!] : fail('Map expects key -> value pairs'))))), 'rec:Map'),
    Some: cmd(['value'], (_rt, _s, a) => opt(a.value!), 'opt'),
    None: prop(() => opt(undefined), 'opt'),
    ...NAMESPACE_GLOBALS,
  },
  string: {
    length: prop((_rt, s) => (s as string).length, 'number'), isEmpty: prop((_rt, s) => (s as string).length === 0, 'boolean'),
    nonEmpty: prop((_rt, s) => (s as string).length > 0, 'boolean'), toString: prop((_rt, s) => s, 'string'), trim: prop((_rt, s) => (s as string).trim(), 'string'),
    contains: cmd(['elem'], (_rt, s, a) => (s as string).includes(str(a.elem)), 'boolean'),
    startsWith: cmd(['prefix'], (_rt, s, a) => (s as string).startsWith(str(a.prefix)), 'boolean'),
    endsWith: cmd(['suffix'], (_rt, s, a) => (s as string).endsWith(str(a.suffix)), 'boolean'),
    stripPrefix: cmd(['prefix'], (_rt, s, a) => { const p = str(a.prefix); return (s as string).startsWith(p) ? (s as string).slice(p.length) : s; }, 'string'),
    stripSuffix: cmd(['suffix'], (_rt, s, a) => { const p = str(a.suffix); return p !== '' && (s as string).endsWith(p) ? (s as string).slice(0, -p.length) : s; }, 'string'),
    toLowerCase: prop((_rt, s) => (s as string).toLowerCase(), 'string'), toUpperCase: prop((_rt, s) => (s as string).toUpperCase(), 'string'),
    // String.split takes a regex in Scala; the emulator takes it literally unless it is a plain character class.
    split: cmd(['regex'], (_rt, s, a) => seq((s as string).split(new RegExp(str(a.regex)))), 'seq'),
  },
  number: {
    ...Object.fromEntries(Object.entries(durUnits).map(([u, m]) => [u, prop((_rt, s) => dur((s as number) * m), 'dur')])),
    toString: prop((_rt, s) => String(s), 'string'), toInt: prop((_rt, s) => s, 'number'), toLong: prop((_rt, s) => s, 'number'),
  },
  file: {
    isFile: prop(async (_rt, s) => (await fileInfo(String((s as VO).path)))?.file === true, 'boolean'),
    isDirectory: prop(async (_rt, s) => (await fileInfo(String((s as VO).path)))?.dir === true, 'boolean'),
    exists: prop(async (_rt, s) => (await fileInfo(String((s as VO).path))) !== null, 'boolean'),
    length: prop(async (_rt, s) => (await fileInfo(String((s as VO).path)))?.size ?? 0, 'number'),
    getName: prop((_rt, s) => basename(String((s as VO).path)), 'string'),
    getPath: prop((_rt, s) => String((s as VO).path), 'string'),
    toPath: prop((_rt, s) => ({ k: 'path', path: String((s as VO).path) }), 'path'),
    getAbsolutePath: prop((_rt, s) => resolvePath(String((s as VO).path)), 'string'),
    toString: prop((_rt, s) => String((s as VO).path), 'string'),
  },
  boolean: { toString: prop((_rt, s) => String(s), 'string') },
  dur: { toString: prop((_rt, s) => show(s), 'string'), toMillis: prop((_rt, s) => Number((s as VO).ms), 'number'), ...DUR_MEMBERS },
  posint: { value: prop((_rt, s) => Number((s as VO).n), 'number'), unwrap: prop((_rt, s) => Number((s as VO).n), 'number'), toString: prop((_rt, s) => show(s), 'string') },
  party: {
    toLf: prop((_rt, s) => String((s as VO).id), 'string'), toProtoPrimitive: prop((_rt, s) => String((s as VO).id), 'string'),
    toString: prop((_rt, s) => String((s as VO).id), 'string'), filterString: prop((_rt, s) => String((s as VO).id), 'string'),
    uid: prop((_rt, s) => String((s as VO).id), 'string'), identifier: prop((_rt, s) => String((s as VO).id).split('::')[0]!, 'string'),
    namespace: prop((_rt, s) => String((s as VO).id).split('::')[1]!, 'string'),
  },
  pid: {
    toProtoPrimitive: prop((_rt, s) => `PAR::${String((s as VO).uid)}`, 'string'), toLf: prop((_rt, s) => String((s as VO).uid), 'string'),
    toString: prop((_rt, s) => `PAR::${String((s as VO).uid)}`, 'string'), filterString: prop((_rt, s) => String((s as VO).uid), 'string'),
    uid: prop((_rt, s) => String((s as VO).uid), 'string'), namespace: prop((_rt, s) => String((s as VO).uid).split('::')[1]!, 'string'),
    identifier: prop((_rt, s) => String((s as VO).uid).split('::')[0]!, 'string'),
    // Identity.fingerprint = namespace.fingerprint (topology/Identifier.scala:44): the participant's namespace key.
    fingerprint: prop((_rt, s) => { const f = String((s as VO).uid).split('::')[1]!; return rec('Fingerprint', { unwrap: f, toProtoPrimitive: f }); }, 'rec:Fingerprint'),
  },
  sid: {
    toProtoPrimitive: prop((_rt, s) => String((s as VO).id), 'string'), toString: prop((_rt, s) => String((s as VO).id), 'string'),
    filterString: prop((_rt, s) => String((s as VO).id), 'string'), logical: prop((_rt, s) => sid(String((s as VO).id).split('::').slice(0, 2).join('::')), 'sid'),
    uid: prop((_rt, s) => String((s as VO).id).split('::').slice(0, 2).join('::'), 'string'),
  },
  seq: {
    ...groupCmds('node'),
    map: cmd(['f'], async (rt, s, a) => { const out: V[] = []; for (const m of items(s)) out.push(await rt.apply(a.f!, [m])); return seq(out); }, 'seq'),
    filter: cmd(['p'], async (rt, s, a) => { const out: V[] = []; for (const m of items(s)) if ((await rt.apply(a.p!, [m])) === true) out.push(m); return seq(out, Boolean((s as VO).set)); }, 'seq'),
    exists: cmd(['p'], async (rt, s, a) => { for (const m of items(s)) if ((await rt.apply(a.p!, [m])) === true) return true; return false; }, 'boolean'),
    forall: cmd(['p'], async (rt, s, a) => { for (const m of items(s)) if ((await rt.apply(a.p!, [m])) !== true) return false; return true; }, 'boolean'),
    find: cmd(['p'], async (rt, s, a) => { for (const m of items(s)) if ((await rt.apply(a.p!, [m])) === true) return opt(m); return opt(undefined); }, 'opt'),
    contains: cmd(['elem'], (_rt, s, a) => items(s).some((x) => JSON.stringify(x) === JSON.stringify(a.elem)), 'boolean'),
    headOption: prop((_rt, s) => opt(items(s)[0]), 'opt'),
    lastOption: prop((_rt, s) => opt(items(s).at(-1)), 'opt'),
    flatMap: cmd(['f'], async (rt, s, a) => { const out: V[] = []; for (const m of items(s)) { const r = await rt.apply(a.f!, [m]); out.push(...(is(r, 'opt') ? ('v' in r ? [r.v as V] : []) : items(r))); } return seq(out); }, 'seq'),
    count: cmd(['p'], async (rt, s, a) => { let n = 0; for (const m of items(s)) if ((await rt.apply(a.p!, [m])) === true) n++; return n; }, 'number'),
    distinct: prop((_rt, s) => { const out: V[] = []; for (const x of items(s)) if (!out.some((y) => JSON.stringify(y) === JSON.stringify(x))) out.push(x); return seq(out); }, 'seq'),
    take: cmd(['n'], (_rt, s, a) => seq(items(s).slice(0, int(a.n))), 'seq'),
    drop: cmd(['n'], (_rt, s, a) => seq(items(s).slice(int(a.n))), 'seq'),
    mkString: cmd(['sep?'], (_rt, s, a) => items(s).map(show).join(a.sep === undefined ? '' : str(a.sep)), 'string'),
    toSet: prop((_rt, s) => seq(items(s), true), 'seq'), toList: prop((_rt, s) => seq(items(s)), 'seq'), toSeq: prop((_rt, s) => seq(items(s)), 'seq'),
  },
  opt: {
    isDefined: prop((_rt, s) => 'v' in (s as VO), 'boolean'), nonEmpty: prop((_rt, s) => 'v' in (s as VO), 'boolean'), isEmpty: prop((_rt, s) => !('v' in (s as VO)), 'boolean'),
    get: prop((_rt, s) => ('v' in (s as VO) ? ((s as VO).v as V) : fail('None.get'))),
    getOrElse: cmd(['=>default'], (rt, s, a) => ('v' in (s as VO) ? ((s as VO).v as V) : rt.force(a.default!))),
    orElse: cmd(['=>alternative'], (rt, s, a) => ('v' in (s as VO) ? s : rt.force(a.alternative!)), 'opt'),
    map: cmd(['f'], async (rt, s, a) => ('v' in (s as VO) ? opt(await rt.apply(a.f!, [(s as VO).v as V])) : s), 'opt'),
    foreach: cmd(['f'], async (rt, s, a) => { if ('v' in (s as VO)) await rt.apply(a.f!, [(s as VO).v as V]); return null; }),
    exists: cmd(['p'], async (rt, s, a) => 'v' in (s as VO) && (await rt.apply(a.p!, [(s as VO).v as V])) === true, 'boolean'),
    forall: cmd(['p'], async (rt, s, a) => !('v' in (s as VO)) || (await rt.apply(a.p!, [(s as VO).v as V])) === true, 'boolean'),
    contains: cmd(['elem'], (_rt, s, a) => 'v' in (s as VO) && JSON.stringify((s as VO).v) === JSON.stringify(a.elem), 'boolean'),
    toList: prop((_rt, s) => seq('v' in (s as VO) ? [(s as VO).v as V] : []), 'seq'),
    size: prop((_rt, s) => ('v' in (s as VO) ? 1 : 0), 'number'),
  },
  tuple: {
    _1: prop((_rt, s) => ((s as VO).items as V[])[0] ?? null), _2: prop((_rt, s) => ((s as VO).items as V[])[1] ?? null), _3: prop((_rt, s) => ((s as VO).items as V[])[2] ?? null),
  },
};

export const STATICS = new Set(Object.keys(API).filter((k) => k.startsWith('static:')).map((k) => k.slice(7)));

export type Lookup = { cmd: Cmd } | 'prefix' | undefined;
export function lookup(kind: string, path: string[]): Lookup {
  const table = API[kind];
  if (!table) return undefined;
  const key = path.join('.');
  const c = table[key];
  if (c) return { cmd: c };
  const pre = key + '.';
  return Object.keys(table).some((k) => k.startsWith(pre)) ? 'prefix' : undefined;
}

/** Record fields and `copy(...)` (e.g. `_.copy(manualConnect = true)`). */
export function recMember(v: VO, name: string): V | Cmd | undefined {
  const f = v.f as Record<string, V>;
  if (name in f) return f[name]!;
  // `x.asInstanceOf[T]`: the type argument is skipped by the parser; the value is unchanged.
  if (name === 'asInstanceOf') return v;
  if (name === 'copy') return cmd(Object.keys(f).map((k) => `${k}?`), (_rt, s, a) => rec(String((s as VO).type), { ...((s as VO).f as Record<string, V>), ...Object.fromEntries(Object.entries(a).filter(([, x]) => x !== undefined)) as Record<string, V> }));
  return undefined;
}
export { isVO };
