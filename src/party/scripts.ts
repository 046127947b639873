/**
 * The console scripts of the party runbooks, rendered from templates/party-*.canton (pure: text in,
 * text out). User-supplied text reaches Scala only through `scalaString`; node names are validated
 * identifiers. Every step prints `CANTON_MPC_STEP <id> <json>`, built here by `jsonLine` from
 * literal pieces and Scala expressions whose values are ids, numbers and booleans (never quotes).
 */
import { STEP_LINE_PREFIX } from '../canton/console.js';
import { commentSafe, fillTemplate, loadTemplate } from '../render/templates.js';
import { scalaIdent, scalaString } from '../render/scala.js';
import type { Permission } from './types.js';

type Piece = string | { code: string };
const code = (c: string) => ({ code: c });

/** A Scala String expression: `CANTON_MPC_STEP <id> ` followed by the pieces (literal or code). */
export function jsonLine(id: string, pieces: Piece[]): string {
  const parts: string[] = [scalaString(`${STEP_LINE_PREFIX}${id} `)];
  let lit = '';
  for (const p of pieces) {
    if (typeof p === 'string') lit += p;
    else {
      if (lit) parts.push(scalaString(lit));
      lit = '';
      parts.push(`(${p.code})`);
    }
  }
  if (lit) parts.push(scalaString(lit));
  return parts.join(' + ');
}

/** `"a","b"` inside a JSON array: each element of a Scala Seq mapped to text that holds no quote. */
const jsonStrings = (seqExpr: string, elem: (x: string) => string): string => `${seqExpr}.map(x => "\\"" + ${elem('x')} + "\\"").mkString(",")`;

interface Common {
  projectDir: string;
  templatesDir?: string;
  alias: string;
}

export interface ObserveScriptInput extends Common {
  /** A participant registered with the synchronizer: the topology store is read from it. */
  anchor: string;
  participants: string[];
  partyIds: string[];
}

/** The mapping (or a proposal) `r` of type ListPartyToParticipantResult as one step line. */
function mappingLine(kind: 'mapping' | 'proposal', r: string): string {
  const hosts = `${r}.item.participants.map(h => "{\\"id\\":\\"" + h.participantId.toProtoPrimitive + "\\",\\"permission\\":\\"" + h.permission + "\\",\\"onboarding\\":" + h.onboarding + "}").mkString(",")`;
  return jsonLine(kind, [
    '{"party":"', code(`${r}.item.partyId.toProtoPrimitive`),
    '","serial":', code(`${r}.context.serial.value`),
    ',"threshold":', code(`${r}.item.threshold.value`),
    ',"external":', code(`${r}.item.partySigningKeysWithThreshold.isDefined`),
    ',"hosts":[', code(hosts),
    '],"signedBy":[', code(jsonStrings(`${r}.context.signedBy`, (x) => `${x}.toProtoPrimitive`)),
    ']}',
  ]);
}

/**
 * A decentralized party only: which participants hold keys of its owner namespaces (Workflow 3 keeps
 * them in each owner's vault), so the party side of a replication is signed by a threshold of them.
 * Public fingerprints only.
 */
function ownerKeysBlock(id: string, participants: string[], i: number): string {
  // `ownerNs<i>`: the owner namespaces, listed just before by renderObserveScript.
  const owners = `ownerNs${i}`;
  return [
    `if (${owners}.nonEmpty) {`,
    ...participants.map((name) => {
      const p = scalaIdent(name);
      const held = `${p}.keys.secret.list().map(k => k.publicKey.fingerprint.toProtoPrimitive).filter(f => ${owners}.contains(f))`;
      return `  println(${jsonLine('owner-keys', ['{"party":', JSON.stringify(id), ',"participant":', JSON.stringify(name), ',"owners":[', code(jsonStrings(held, (x) => x)), ']}'])})`;
    }),
    '}',
  ].join('\n');
}

export function renderObserveScript(o: ObserveScriptInput): string {
  const t = loadTemplate('party-observe.canton', o.templatesDir);
  const anchor = scalaIdent(o.anchor);
  const participants = o.participants
    .map((name) => {
      const p = scalaIdent(name);
      const vetted = `(if (${p}.synchronizers.is_registered(alias)) ${p}.topology.vetted_packages.list(store = syncId, filterParticipant = ${p}.id.filterString).flatMap(r => r.item.packages.map(v => "\\"" + v.packageId + "\\"")).mkString(",") else "")`;
      return `println(${jsonLine('participant', [
        `{"name":${JSON.stringify(name)},"id":"`, code(`${p}.id.toProtoPrimitive`),
        '","connected":', code(`${p}.synchronizers.active(alias)`),
        ',"end":', code(`${p}.ledger_api.state.end()`),
        ',"manualConnect":', code(`${p}.synchronizers.config(alias).map(c => c.manualConnect).getOrElse(false)`),
        ',"pruning":', code(`${p}.pruning.get_schedule().map(s => "{\\"cron\\":\\"" + s.cron + "\\",\\"maxSeconds\\":" + s.maxDuration.duration.getSeconds + ",\\"retentionSeconds\\":" + s.retention.duration.getSeconds + "}").getOrElse("null")`),
        ',"dars":[', code(jsonStrings(`${p}.dars.list()`, (x) => `${x}.mainPackageId`)),
        '],"vetted":[', code(vetted),
        ']}',
      ])})`;
    })
    .join('\n');
  const parties = o.partyIds
    .map((id, i) => {
      const lit = scalaString(id);
      const ns = scalaString(id.split('::')[1] ?? '');
      return [
        `${anchor}.topology.party_to_participant_mappings.list(syncId, filterParty = ${lit}).filter(r => r.item.partyId.toProtoPrimitive == ${lit}).foreach(r => println(${mappingLine('mapping', 'r')}))`,
        `${anchor}.topology.party_to_participant_mappings.list(syncId, proposals = true, filterParty = ${lit}).filter(r => r.item.partyId.toProtoPrimitive == ${lit}).foreach(r => println(${mappingLine('proposal', 'r')}))`,
        // The party's namespace, listed once: decentralized or not, its threshold and owners (Workflow 3).
        `val dns${i} = ${anchor}.topology.decentralized_namespaces.list(syncId, filterNamespace = ${ns})`,
        `val ownerNs${i} = dns${i}.flatMap(r => r.item.owners.toSeq.map(x => x.toProtoPrimitive))`,
        `println(${jsonLine('namespace', ['{"party":', JSON.stringify(id), ',"decentralized":', code(`dns${i}.nonEmpty`),
          ',"threshold":', code(`dns${i}.headOption.map(r => r.item.threshold.value).getOrElse(0)`),
          ',"owners":[', code(jsonStrings(`ownerNs${i}`, (x) => x)), ']}'])})`,
        ownerKeysBlock(id, o.participants, i),
      ].join('\n');
    })
    .join('\n');
  return fillTemplate(t, {
    projectDir: commentSafe(o.projectDir),
    template: commentSafe(t.path),
    alias: scalaString(o.alias),
    anchor,
    stepPrefix: scalaString(STEP_LINE_PREFIX),
    participants: participants || '// (no participants)',
    parties: parties || '// (no parties)',
  });
}

export type ReplicateStepId = 'vet-packages' | 'propose-party-side' | 'propose-participant-side' | 'await-effective';

export interface ReplicateScriptInput extends Common {
  partyId: string;
  source: string;
  target: string;
  permission: Permission;
  /** Steps to render, in order; the others were observed done. */
  steps: ReplicateStepId[];
  /** DAR files to upload on the target (vet-packages). */
  dars: string[];
  /** Package ids the target must have vetted before any topology change. */
  packages: string[];
  /** `--threshold N`: `propose` with the full list (`hosts`) instead of `propose_delta`. */
  threshold?: number;
  /** With `threshold`: every host after the change, by participant id (`PAR::…`) and permission. */
  hosts?: Array<{ id: string; permission: Permission }>;
  /** How long the script waits for the vetting and for the mapping to become effective. */
  waitSeconds: number;
  /**
   * A decentralized party: the participants that propose the party side, each signing with the owner
   * keys it holds, until the namespace threshold is met (threshold-signers.ts). Absent: the source.
   */
  partySigners?: string[];
}

/** What both replication scripts share: names, the permission, a bounded wait, the vetting step. */
export function scriptParts(o: { projectDir: string; alias: string; partyId: string; source: string; target: string; permission: Permission; dars: string[]; packages: string[]; waitSeconds: number }) {
  const src = scalaIdent(o.source);
  const tgt = scalaIdent(o.target);
  const wait = (secs: number, maxSecs: number) => `utils.retry_until_true(timeout = ${secs}.seconds, maxWaitPeriod = ${maxSecs}.seconds)`;
  const vetted = (pkg: string) => `${tgt}.topology.vetted_packages.list(store = syncId, filterParticipant = ${tgt}.id.filterString).exists(r => r.item.packages.exists(v => v.packageId == ${pkg}))`;
  const vetBlock = (comment: string) =>
    [
      comment,
      ...o.dars.map((d) => `${tgt}.dars.upload(${scalaString(d)})`),
      `${wait(o.waitSeconds, 1)}(Seq[String](${o.packages.map(scalaString).join(', ')}).forall(pkg => ${vetted('pkg')}), ${scalaString(`${o.target} has not vetted every package the party uses`)})`,
      `println(${jsonLine('vet-packages', [`{"uploaded":${o.dars.length},"packages":${o.packages.length}}`])})`,
    ].join('\n');
  /** The template slots both scripts have. */
  const slots = (t: { path: string }) => ({
    projectDir: commentSafe(o.projectDir), template: commentSafe(t.path), partyComment: commentSafe(o.partyId),
    source: src, target: tgt, alias: scalaString(o.alias), partyId: scalaString(o.partyId),
  });
  return { src, tgt, perm: `ParticipantPermission.${o.permission}`, wait, vetBlock, slots };
}

/** Workflow 1's proposal from `node` (propose_delta, or propose with the full list under --threshold). */
export function proposeExpr(o: ReplicateScriptInput, node: string): string {
  const { src, tgt, perm } = scriptParts(o);
  // A decentralized party: the target signs with its participant key only, so the owners' signatures are
  // exactly those canton-mpc counted (threshold-signers.ts); an owner key it holds would add one.
  const own = o.partySigners && node === tgt;
  if (o.threshold === undefined) return `${node}.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((${tgt}.id, ${perm})), store = syncId${own ? `, signedBy = Some(${tgt}.id.fingerprint)` : ''})`;
  const current = `${src}.topology.party_to_participant_mappings.list(syncId, filterParty = party.toProtoPrimitive).head.item.participants`;
  const list = (o.hosts ?? []).map((h) => `(${current}.find(h => h.participantId.toProtoPrimitive == ${scalaString(h.id)}).map(h => h.participantId).getOrElse(${tgt}.id), ParticipantPermission.${h.permission})`);
  return `${node}.topology.party_to_participant_mappings.propose(party = party, newParticipants = Seq(${list.join(', ')}), threshold = PositiveInt.tryCreate(${o.threshold}), store = syncId${own ? `, signedBy = Seq(${tgt}.id.fingerprint)` : ''})`;
}

/** Step 4 of Workflow 1: wait until the mapping is effective, then report it. */
export function awaitEffectiveBlock(o: ReplicateScriptInput): string {
  const { src, tgt, perm, wait } = scriptParts(o);
  return [
    '// Step 4: the mapping is active once both authorizations landed.',
    `${wait(o.waitSeconds, 1)}(${src}.topology.party_to_participant_mappings.is_known(syncId, party, Seq(${tgt}.id), Some(${perm})${o.threshold !== undefined ? `, Some(PositiveInt.tryCreate(${o.threshold}))` : ''}), ${scalaString(`the hosting of the party on ${o.target} did not become effective`)})`,
    `val effective = ${src}.topology.party_to_participant_mappings.list(syncId, filterParty = party.toProtoPrimitive).head`,
    `println(${jsonLine('await-effective', ['{"serial":', code('effective.context.serial.value'), ',"hosts":', code('effective.item.participants.size'), '}'])})`,
  ].join('\n');
}

export function renderReplicateScript(o: ReplicateScriptInput): string {
  const t = loadTemplate('party-replicate.canton', o.templatesDir);
  const { src, tgt, vetBlock, slots } = scriptParts(o);
  const propose = (node: string) => proposeExpr(o, node);
  const blocks: Record<ReplicateStepId, () => string> = {
    'vet-packages': () => vetBlock('// Step 2 of the runbook: vet every package the party uses on the target, and check it took effect.'),
    'propose-party-side': () =>
      [
        ...(o.partySigners
          ? [`// Step 3, party side: the party's namespace is decentralized; ${o.partySigners.join(', ')} sign${o.partySigners.length === 1 ? 's' : ''} with the owner keys ${o.partySigners.length === 1 ? 'it holds' : 'they hold'}, the same proposal each, until its threshold is met.`, ...o.partySigners.map((n) => propose(scalaIdent(n)))]
          : [`// Step 3, party side: ${o.source} holds the party's namespace key.`, propose(src)]),
        `println(${jsonLine('propose-party-side', o.partySigners ? [`{"signers":${JSON.stringify(o.partySigners)}}`] : ['{}'])})`,
      ].join('\n'),
    'propose-participant-side': () =>
      [
        `// Step 3, participant side: ${o.target} agrees to host the party, with the same permission.`,
        propose(tgt),
        `println(${jsonLine('propose-participant-side', ['{}'])})`,
      ].join('\n'),
    'await-effective': () => awaitEffectiveBlock(o),
  };
  return fillTemplate(t, {
    ...slots(t),
    steps: o.steps.map((s) => blocks[s]()).join('\n\n') || '// (nothing pending)',
  });
}
