// Console members for party hosting, with Canton 3.4.11's parameter lists
// (community/app-base/.../console/commands/TopologyAdministrationGroup.scala at a904e34, FACTS §3).
// `propose_delta` and `is_known` are console macros in Canton too: they read the mapping with `list`
// and then call `propose`, so the node only ever sees proposals.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ACS_FORMAT, type AcsFile } from './acs.js';
import { type Cmd, ConsoleRuntimeError, type Rt } from './api.js';
import { faults } from './faults.js';
import { signedTx } from './external-console.js';
import { type V, type VO, enumV, is, opt, party, pid, posint, rec, seq, show, tuple } from './values.js';

type Row = { party: string; synchronizerId: string; serial: number; threshold: number; participants: Array<{ participantUid: string; permission: string; onboarding: boolean }>; signedBy: string[]; external: boolean };

const fail = (m: string): never => { throw new ConsoleRuntimeError(m); };
const cmd = (params: string[], run: Cmd['run'], ret?: string): Cmd => ({ params, run, ret });
const self = (v: V): string => String((v as VO).name);
const items = (v: V | undefined): V[] => (v === undefined ? [] : is(v, 'seq') ? (v.items as V[]) : fail(`type mismatch: expected a Seq, found ${show(v)}`));
const partyId = (v: V | undefined): string => (is(v ?? null, 'party') ? String((v as VO).id) : typeof v === 'string' ? v : fail(`type mismatch: expected PartyId, found ${show(v ?? null)}`));
const storeId = (v: V | undefined): string => (is(v ?? null, 'sid') ? String((v as VO).id) : typeof v === 'string' ? v : is(v ?? null, 'opt') && 'v' in (v as VO) ? storeId((v as VO).v as V) : fail(`type mismatch: expected a TopologyStoreId, found ${show(v ?? null)}`));
const permission = (v: V | undefined): string => (is(v ?? null, 'enum') && (v as VO).type === 'ParticipantPermission' ? String((v as VO).name) : fail(`type mismatch: expected ParticipantPermission, found ${show(v ?? null)}`));
const int = (v: V | undefined, d: number): number => (v === undefined ? d : typeof v === 'number' ? v : is(v, 'posint') ? Number(v.n) : is(v, 'opt') ? ('v' in v ? int(v.v as V, d) : d) : fail(`type mismatch: expected PositiveInt, found ${show(v)}`));
const optInt = (v: V | undefined): number | undefined => (v === undefined || (is(v, 'opt') && !('v' in v)) ? undefined : int(v, 0));
const bool = (v: V | undefined, d: boolean): boolean => (v === undefined ? d : typeof v === 'boolean' ? v : fail(`type mismatch: expected Boolean, found ${show(v)}`));
const str = (v: V | undefined): string => (v === undefined ? '' : typeof v === 'string' ? v : fail(`type mismatch: expected String, found ${show(v)}`));

/** A ParticipantId from a node reference (implicit conversion in Canton), a ParticipantId, or its string. */
async function participantUid(rt: Rt, v: V | undefined): Promise<string> {
  if (is(v ?? null, 'pid')) return String((v as VO).uid);
  if (is(v ?? null, 'node') && (v as VO).kind === 'participant') return String(await rt.host.rpc(self(v!), 'id', {}));
  if (typeof v === 'string') return v.replace(/^PAR::/, '');
  return fail(`type mismatch: expected ParticipantId, found ${show(v ?? null)}`);
}

async function hostingList(rt: Rt, v: V | undefined): Promise<Array<{ participantUid: string; permission: string }>> {
  const out: Array<{ participantUid: string; permission: string }> = [];
  for (const t of items(v)) {
    if (!is(t, 'tuple')) fail(`type mismatch: expected (ParticipantId, ParticipantPermission), found ${show(t)}`);
    const [p, perm] = (t as VO).items as V[];
    out.push({ participantUid: await participantUid(rt, p), permission: permission(perm) });
  }
  return out;
}

const rows = async (rt: Rt, node: string, store: string, filterParty: string, proposals = false, filterParticipant = ''): Promise<Row[]> =>
  (await rt.host.rpc(node, 'participant.topology.p2p.list', { store, filterParty, filterParticipant, proposals })) as Row[];

const fingerprint = (f: string): VO => rec('Fingerprint', { unwrap: f, toProtoPrimitive: f });
/** `signedBy`: Option[Fingerprint] (propose_delta) or Seq[Fingerprint] (propose) → fingerprints; empty: the node chooses. */
const signedByArg = (v: V | undefined): string[] => {
  if (v === undefined || v === null) return [];
  if (is(v, 'opt')) return 'v' in v ? signedByArg(v.v as V) : [];
  if (is(v, 'seq')) return items(v).flatMap(signedByArg);
  if (is(v, 'rec') && (v as VO).type === 'Fingerprint') return [String(((v as VO).f as Record<string, V>).unwrap)];
  return fail(`type mismatch: expected Fingerprint, found ${show(v)}`);
};
const rowRec = (r: Row): VO => rec('ListPartyToParticipantResult', {
  context: rec('BaseResult', { storeId: r.synchronizerId, serial: posint(r.serial), signedBy: seq(r.signedBy.map(fingerprint)) }),
  item: rec('PartyToParticipant', {
    partyId: party(r.party), threshold: posint(r.threshold),
    participants: seq(r.participants.map((h) => rec('HostingParticipant', { participantId: pid(h.participantUid), permission: enumV('ParticipantPermission', h.permission), onboarding: h.onboarding }))),
    partySigningKeysWithThreshold: opt(r.external ? rec('SigningKeysWithThreshold', {}) : undefined),
  }),
});

const P2P_LIST = ['synchronizerId', 'proposals?', 'timeQuery?', 'operation?', 'filterParty?', 'filterParticipant?', 'filterSigningKey?', 'protocolVersion?'];
const PROPOSE_DELTA = ['party', 'adds?', 'removes?', 'signedBy?', 'serial?', 'synchronize?', 'mustFullyAuthorize?', 'store?', 'forceFlags?', 'requiresPartyToBeOnboarded?'];
const PROPOSE = ['party', 'newParticipants', 'threshold?', 'partySigningKeys?', 'serial?', 'signedBy?', 'operation?', 'synchronize?', 'mustFullyAuthorize?', 'store?', 'forceFlags?', 'participantsRequiringPartyToBeOnboarded?'];

export const PARTY_PARTICIPANT: Record<string, Cmd> = {
  'topology.party_to_participant_mappings.list': cmd(P2P_LIST, async (rt, s, a) => {
    const r = await rows(rt, self(s), storeId(a.synchronizerId), str(a.filterParty), bool(a.proposals, false), str(a.filterParticipant));
    return seq(r.map(rowRec));
  }, 'seq'),
  // TopologyAdministrationGroup.propose_delta: current (effective) mapping, next serial, adds replace
  // a participant's permission, the onboarding flag only for the added ones.
  'topology.party_to_participant_mappings.propose_delta': cmd(PROPOSE_DELTA, async (rt, s, a) => {
    if (a.store === undefined) fail('the emulator implements propose_delta only with store = <synchronizer id>');
    const node = self(s);
    const store = storeId(a.store);
    const id = partyId(a.party);
    const current = (await rows(rt, node, store, id)).filter((r) => r.party === id);
    if (current.length > 1) fail(`Found more than one result for party ${id}`);
    const adds = await hostingList(rt, a.adds);
    const removes = await Promise.all(items(a.removes).map((x) => participantUid(rt, x)));
    if (adds.some((x) => removes.includes(x.participantUid))) fail('Command execution failed: participants cannot be both added and removed');
    const perms = new Map((current[0]?.participants ?? []).map((h) => [h.participantUid, h.permission]));
    for (const x of adds) perms.set(x.participantUid, x.permission);
    for (const x of removes) perms.delete(x);
    if (perms.size === 0) fail('the emulator does not implement removing the last host of a party');
    const onboarding = bool(a.requiresPartyToBeOnboarded, false) ? new Set(adds.map((x) => x.participantUid)) : new Set<string>();
    const r = (await rt.host.rpc(node, 'participant.topology.p2p.propose', {
      store, party: id, threshold: current[0]?.threshold ?? 1,
      participants: [...perms].map(([participantUid, permission]) => ({ participantUid, permission, onboarding: onboarding.has(participantUid) })),
      serial: optInt(a.serial) ?? (current[0] ? current[0].serial + 1 : 1), mustFullyAuthorize: bool(a.mustFullyAuthorize, false), signedBy: signedByArg(a.signedBy),
    })) as { serial: number; tx: string; hash: string; signedBy: string[] };
    return signedTx(r);
  }, 'stx'),
  'topology.party_to_participant_mappings.propose': cmd(PROPOSE, async (rt, s, a) => {
    if (a.store === undefined) fail('the emulator implements propose only with store = <synchronizer id>');
    const onboarding = new Set(await Promise.all(items(a.participantsRequiringPartyToBeOnboarded).map((x) => participantUid(rt, x))));
    const r = (await rt.host.rpc(self(s), 'participant.topology.p2p.propose', {
      store: storeId(a.store), party: partyId(a.party), threshold: int(a.threshold, 1),
      participants: (await hostingList(rt, a.newParticipants)).map((h) => ({ ...h, onboarding: onboarding.has(h.participantUid) })),
      serial: optInt(a.serial), mustFullyAuthorize: bool(a.mustFullyAuthorize, false), signedBy: signedByArg(a.signedBy),
    })) as { serial: number; tx: string; hash: string; signedBy: string[] };
    return signedTx(r);
  }, 'stx'),
  // TopologyAdministrationGroup.is_known: every listed participant hosts the party (with the permission
  // and threshold, when given) in the effective mapping.
  'topology.party_to_participant_mappings.is_known': cmd(['synchronizerId', 'party', 'hostingParticipants', 'permission?', 'threshold?'], async (rt, s, a) => {
    const id = partyId(a.party);
    const found = (await rows(rt, self(s), storeId(a.synchronizerId), id)).filter((r) => r.party === id);
    const want = await Promise.all(items(a.hostingParticipants).map((x) => participantUid(rt, x)));
    const perm = a.permission === undefined || (is(a.permission, 'opt') && !('v' in a.permission)) ? undefined : permission(is(a.permission, 'opt') ? (a.permission.v as V) : a.permission);
    const threshold = optInt(a.threshold);
    return want.every((uid) => found.some((r) => (threshold === undefined || r.threshold === threshold) && r.participants.some((h) => h.participantUid === uid && (perm === undefined || h.permission === perm))));
  }, 'boolean'),
  'topology.vetted_packages.list': cmd(['store?', 'proposals?', 'timeQuery?', 'operation?', 'filterParticipant?', 'filterSigningKey?', 'protocolVersion?'], async (rt, s, a) => {
    const r = (await rt.host.rpc(self(s), 'participant.topology.vetted.list', { store: a.store === undefined ? null : storeId(a.store), filterParticipant: str(a.filterParticipant) })) as Array<{ participantUid: string; packages: string[] }>;
    return seq(r.map((x) => rec('ListVettedPackagesResult', { item: rec('VettedPackages', { participantId: pid(x.participantUid), packages: seq(x.packages.map((p) => rec('VettedPackage', { packageId: p }))) }) })));
  }, 'seq'),
};

const sid = (v: V | undefined): string => storeId(v);
const long = (v: V | undefined): number => (typeof v === 'number' ? v : fail(`type mismatch: expected Long, found ${show(v ?? null)}`));

/**
 * Offline party replication (PartiesAdministration.scala, 3.4.11 signatures in FACTS §3). The export
 * file is written, and the import file read, on the console host, as in Canton.
 */
export const ACS_MEMBERS: Record<string, Cmd> = {
  'parties.export_party_acs': cmd(['party', 'synchronizerId', 'targetParticipantId', 'beginOffsetExclusive', 'exportFilePath?', 'waitForActivationTimeout?', 'timeout?'], async (rt, s, a) => {
    const file = (await rt.host.rpc(self(s), 'participant.parties.export_acs', {
      party: partyId(a.party), synchronizerId: sid(a.synchronizerId), target: await participantUid(rt, a.targetParticipantId), beginOffsetExclusive: long(a.beginOffsetExclusive),
    })) as AcsFile;
    const path = a.exportFilePath === undefined ? 'canton-acs-export.gz' : str(a.exportFilePath);
    if (faults.corruptExport && !existsSync(faults.corruptExport)) {
      writeFileSync(faults.corruptExport, `${new Date().toISOString()} corrupted ${path}\n`);
      writeFileSync(path, Buffer.concat([gzipSync(Buffer.from('{"format":')).subarray(0, 12), randomBytes(64)]));
    } else writeFileSync(path, gzipSync(Buffer.from(JSON.stringify(file))));
    return null;
  }),
  'parties.import_party_acs': cmd(['importFilePath?', 'workflowIdPrefix?', 'contractImportMode?', 'representativePackageIdOverride?'], async (rt, s, a) => {
    const path = a.importFilePath === undefined ? 'canton-acs-export.gz' : str(a.importFilePath);
    let file: AcsFile;
    try {
      file = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as AcsFile;
      if (file.format !== ACS_FORMAT || !Array.isArray(file.contracts)) throw new Error('not an ACS snapshot');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fail(`Request failed for ${self(s)}. IO_STREAM_REPAIR_ERROR(4,0): Failed to read ${path}: No such file or directory`);
      return fail(`Request failed for ${self(s)}. INVALID_ARGUMENT/PROTO_DESERIALIZATION_FAILURE(8,0): Deserialization of protobuf message failed`);
    }
    await rt.host.rpc(self(s), 'participant.parties.import_acs', { file });
    return null;
  }),
  'parties.clear_party_onboarding_flag': cmd(['party', 'synchronizerId', 'beginOffsetExclusive', 'waitForActivationTimeout?'], async (rt, s, a) => {
    long(a.beginOffsetExclusive);
    const r = (await rt.host.rpc(self(s), 'participant.parties.clear_onboarding_flag', { party: partyId(a.party), synchronizerId: sid(a.synchronizerId) })) as { cleared: boolean; safeAfter?: string };
    return tuple([r.cleared, opt(r.safeAfter ? rec('CantonTimestamp', { toString: r.safeAfter }) : undefined)]);
  }, 'tuple'),
};

/** PositiveDurationSeconds(duration: java.time.Duration): `s.maxDuration.duration.getSeconds`. */
export const DUR_MEMBERS: Record<string, Cmd> = {
  duration: { run: (_rt: Rt, s: V) => s, ret: 'dur' },
  getSeconds: { run: (_rt: Rt, s: V) => Math.floor(Number((s as VO).ms) / 1000), ret: 'number' },
};

/** `ParticipantPermission.Submission.toString` and friends. */
export const ENUM_MEMBERS: Record<string, Cmd> = {
  toString: { run: (_rt: Rt, s: V) => String((s as VO).name), ret: 'string' },
};
