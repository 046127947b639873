/**
 * The console script of Workflow 3 (templates/party-decentral.canton), pure: the run's inputs in, Scala
 * text out. One script serves both runs of a plan: with no steps it only observes (the preflight), with
 * steps it observes and then performs each pending one, every step checking again before it proposes.
 * Participant names are validated identifiers; everything else reaches Scala through `scalaString` or
 * as a number. Only public fingerprints are ever printed.
 */
import { STEP_LINE_PREFIX } from '../canton/console.js';
import { commentSafe, fillTemplate, loadTemplate } from '../render/templates.js';
import { scalaIdent, scalaString } from '../render/scala.js';
import { jsonLine } from './scripts.js';
import type { Permission } from './types.js';

export const DECENTRAL_STEP_IDS = ['namespace-keys', 'delegations', 'namespace', 'hosting', 'party-to-key'] as const;
export type DecentralStepId = (typeof DECENTRAL_STEP_IDS)[number];

export interface DecentralScriptInput {
  projectDir: string;
  templatesDir?: string;
  alias: string;
  /** A connected owner: the synchronizer's topology is read from it. */
  anchor: string;
  /** The party id hint (`Vault`); the id is `Vault::<decentralized namespace>`. */
  hint: string;
  /** Every owner after this run, in order. */
  owners: string[];
  /** The owners that sign this run's proposals (all of them for a new party; a threshold plus any added ones later). */
  signers: string[];
  /** The decentralized namespace once it exists (changes keep it); absent: computed from the owners' keys. */
  namespace?: string;
  threshold: number;
  confirmationThreshold: number;
  permission: Permission;
  partyToKey: boolean;
  /** Pending steps to perform, in order; empty for the observation run. */
  steps: DecentralStepId[];
  /**
   * How long each wait for the synchronizer may take. Proposals pass `synchronize = None`: one owner's
   * signature alone does not make them effective, so the script waits for the mapping itself.
   */
  waitSeconds: number;
}

type Piece = string | { code: string };
const code = (c: string) => ({ code: c });
const q = (expr: string) => `"\\"" + ${expr} + "\\""`;
const strList = (seqExpr: string, elem: (x: string) => string) => `${seqExpr}.map(x => ${q(elem('x'))}).mkString(",")`;
const keyNames = (hint: string) => ({ ns: `canton-mpc-${hint}-namespace`, proto: `canton-mpc-${hint}-protocol` });
export const decentralKeyNames = keyNames;

export function renderDecentralScript(o: DecentralScriptInput): string {
  const t = loadTemplate('party-decentral.canton', o.templatesDir);
  const anchor = scalaIdent(o.anchor);
  const ids = o.owners.map(scalaIdent);
  const v = (kind: 'ns' | 'pk', p: string) => `${kind}_${p}`;
  const lookup = (p: string, nameVar: string) => `${p}.keys.secret.list(filterName = ${nameVar}).filter(k => k.name.map(n => n.unwrap).contains(${nameVar})).headOption.map(k => k.publicKey.asInstanceOf[SigningPublicKey])`;
  const fpOrNull = (opt: string) => `${opt}.map(k => ${q('k.fingerprint.toProtoPrimitive')}).getOrElse("null")`;
  const print = (id: string, pieces: Piece[]) => `println(${jsonLine(id, pieces)})`;
  const wait = (cond: string, failure: string) => `utils.retry_until_true(timeout = ${o.waitSeconds}.seconds, maxWaitPeriod = 1.seconds)(${cond}, ${failure})`;
  const owned = (namesAndKeys: (p: string) => string) => `Seq(${o.owners.map((n, i) => `(${scalaString(n)}, ${namesAndKeys(ids[i]!)})`).join(', ')})`;

  // ---- observation (both runs): Option vals, nothing generated.
  const observe: string[] = [];
  for (const [i, p] of ids.entries()) {
    observe.push(`val ${v('ns', p)}Opt = ${lookup(p, 'nsKeyName')}`, `val ${v('pk', p)}Opt = ${lookup(p, 'protoKeyName')}`);
    observe.push(print('owner', [
      `{"name":${JSON.stringify(o.owners[i])},"id":"`, code(`${p}.id.toProtoPrimitive`),
      '","connected":', code(`${p}.synchronizers.active(alias)`),
      ',"nsKey":', code(fpOrNull(`${v('ns', p)}Opt`)),
      ',"protoKey":', code(fpOrNull(`${v('pk', p)}Opt`)),
      ',"delegation":', code(`${v('ns', p)}Opt.exists(k => ${anchor}.topology.namespace_delegations.list(syncId, filterNamespace = k.fingerprint.toProtoPrimitive).nonEmpty)`),
      '}',
    ]));
  }
  const nsExpr = (keyOf: (p: string) => string) =>
    o.namespace ? `Namespace(Fingerprint.tryFromString(${scalaString(o.namespace)}))` : `DecentralizedNamespaceDefinition.computeNamespace(Set(${ids.map((p) => `Namespace(${keyOf(p)}.fingerprint)`).join(', ')}))`;
  const dndRows = (ns: string, proposals: boolean) => `${anchor}.topology.decentralized_namespaces.list(syncId${proposals ? ', proposals = true' : ''}, filterNamespace = ${ns}.toProtoPrimitive)`;
  const p2pRows = (party: string, proposals: boolean) => `${anchor}.topology.party_to_participant_mappings.list(syncId${proposals ? ', proposals = true' : ''}, filterParty = ${party}.filterString)`;
  const p2kRows = (party: string, proposals: boolean) => `${anchor}.topology.party_to_key_mappings.list(store = syncId${proposals ? ', proposals = true' : ''}, filterParty = ${party}.filterString)`;
  const signers = (rows: string) => strList(`${rows}.flatMap(r => r.context.signedBy)`, (x) => `${x}.toProtoPrimitive`);
  const allKnown = o.namespace ? 'true' : `Seq(${ids.map((p) => `${v('ns', p)}Opt`).join(', ')}).forall(k => k.isDefined)`;
  observe.push(
    `if (${allKnown}) {`,
    `  val obsNs = ${nsExpr((p) => `${v('ns', p)}Opt.get`)}`,
    `  val obsParty = PartyId.tryCreate(${scalaString(o.hint)}, obsNs)`,
    '  ' + print('namespace-state', [
      '{"namespace":"', code('obsNs.toProtoPrimitive'),
      '","listed":[', code(`${dndRows('obsNs', false)}.map(r => "{\\"threshold\\":" + r.item.threshold.value + ",\\"owners\\":[" + ${strList('r.item.owners.toSeq', (x) => `${x}.toProtoPrimitive`)} + "]}").mkString(",")`),
      '],"signedBy":[', code(signers(dndRows('obsNs', true))), ']}',
    ]),
    '  ' + print('hosting-state', [
      '{"party":"', code('obsParty.toProtoPrimitive'),
      '","listed":[', code(`${p2pRows('obsParty', false)}.filter(r => r.item.partyId == obsParty).map(r => "{\\"threshold\\":" + r.item.threshold.value + ",\\"hosts\\":[" + r.item.participants.map(h => "{\\"id\\":\\"" + h.participantId.toProtoPrimitive + "\\",\\"permission\\":\\"" + h.permission + "\\",\\"onboarding\\":" + h.onboarding + "}").mkString(",") + "]}").mkString(",")`),
      '],"signedBy":[', code(signers(`${p2pRows('obsParty', true)}.filter(r => r.item.partyId == obsParty)`)), ']}',
    ]),
    '  ' + print('party-to-key-state', [
      '{"listed":[', code(`${p2kRows('obsParty', false)}.map(r => "{\\"threshold\\":" + r.item.threshold.value + ",\\"keys\\":[" + ${strList('r.item.signingKeys', (x) => `${x}.fingerprint.toProtoPrimitive`)} + "]}").mkString(",")`),
      ']}',
    ]),
    '}',
  );
  observe.push(print('observed', ['{}']));

  // ---- the steps (second run): keys exist after the first step; each proposal is made once per signer.
  const signerIds = o.signers.map(scalaIdent);
  const blocks: Record<DecentralStepId, () => string[]> = {
    'namespace-keys': () => [
      '// Step 1: a signing key dedicated to the decentralized namespace on each owner (SigningKeyUsage.NamespaceOnly).',
      print('namespace-keys', ['{"keys":[', code(strList(`Seq(${ids.map((p) => v('ns', p)).join(', ')})`, (x) => `${x}.fingerprint.toProtoPrimitive`)), ']}']),
    ],
    delegations: () => [
      '// Step 2: each owner publishes its key as the root of its own namespace (a self-signed delegation).',
      ...o.owners.flatMap((_, i) => {
        const p = ids[i]!;
        const k = v('ns', p);
        return [`if (${anchor}.topology.namespace_delegations.list(syncId, filterNamespace = ${k}.fingerprint.toProtoPrimitive).isEmpty) ${p}.topology.namespace_delegations.propose_delegation(Namespace(${k}.fingerprint), ${k}, DelegationRestriction.CanSignAllMappings, store = syncId)`];
      }),
      wait(`Seq(${ids.map((p) => v('ns', p)).join(', ')}).forall(k => ${anchor}.topology.namespace_delegations.list(syncId, filterNamespace = k.fingerprint.toProtoPrimitive).nonEmpty)`, scalaString('the namespace delegations of the owners did not become effective')),
      print('delegations', ['{}']),
    ],
    namespace: () => [
      `// Step 3: the same DecentralizedNamespaceDefinition (threshold ${o.threshold}) from ${o.namespace ? 'a threshold of the current owners and every added one' : 'every owner: the first one needs all of them'}.`,
      ...signerIds.flatMap((p) => [
        `if (!dndListed && !${dndRows('ns', true)}.exists(r => r.context.signedBy.contains(${v('ns', p)}.fingerprint))) ${p}.topology.decentralized_namespaces.propose(dnd, store = syncId, synchronize = None)`,
      ]),
      wait(`${dndRows('ns', false)}.exists(r => r.item.threshold.value == ${o.threshold} && r.item.owners.size == ${o.owners.length} && owners.forall(x => r.item.owners.contains(x)))`,
        `"the decentralized namespace " + ns.toProtoPrimitive + " is not listed after ${o.waitSeconds} s; owners whose signature is missing: " + ${owned((p) => v('ns', p))}.filter(x => !${dndRows('ns', true)}.exists(r => r.context.signedBy.contains(x._2.fingerprint))).map(x => x._1).mkString(", ")`),
      print('namespace', ['{"namespace":"', code('ns.toProtoPrimitive'), '"}']),
    ],
    hosting: () => [
      `// Step 4: the same PartyToParticipant (every owner with ${o.permission}, confirmation threshold ${o.confirmationThreshold}) from each signing owner.`,
      ...signerIds.map((p) => `if (!hostingListed && !${p2pRows('party', true)}.filter(r => r.item.partyId == party).exists(r => r.context.signedBy.contains(${v('ns', p)}.fingerprint))) ${p}.topology.party_to_participant_mappings.propose(party, hosts, threshold = PositiveInt.tryCreate(${o.confirmationThreshold}), store = syncId, synchronize = None)`),
      wait(hostingDone(o, ids, p2pRows('party', false)),
        `"the PartyToParticipant mapping of " + party.toProtoPrimitive + " is not effective after ${o.waitSeconds} s; owner namespace signatures: " + ${owned((p) => v('ns', p))}.count(x => ${p2pRows('party', true)}.filter(r => r.item.partyId == party).exists(r => r.context.signedBy.contains(x._2.fingerprint))) + " of the ${o.threshold} needed; owners that have not signed: " + ${owned((p) => v('ns', p))}.filter(x => !${p2pRows('party', true)}.filter(r => r.item.partyId == party).exists(r => r.context.signedBy.contains(x._2.fingerprint))).map(x => x._1).mkString(", ")`),
      print('hosting', ['{"party":"', code('party.toProtoPrimitive'), '"}']),
    ],
    'party-to-key': () => [
      `// Step 5 (deprecated in 3.5): a PartyToKey mapping over one ProtocolOnly key per owner, threshold ${o.threshold}; every key proves its ownership, so every owner signs.`,
      ...ids.map((p) => `val ${v('pk', p)} = ${v('pk', p)}Opt.getOrElse(${p}.keys.secret.generate_signing_key(protoKeyName, SigningKeyUsage.ProtocolOnly))`),
      `val protoKeys = Seq(${ids.map((p) => v('pk', p)).join(', ')})`,
      `val p2kListed = ${p2kRows('party', false)}.exists(r => r.item.threshold.value == ${o.threshold} && r.item.signingKeys.size == protoKeys.size && protoKeys.forall(k => r.item.signingKeys.exists(x => x.fingerprint == k.fingerprint)))`,
      ...ids.map((p) => `if (!p2kListed && !${p2kRows('party', true)}.exists(r => r.context.signedBy.contains(${v('pk', p)}.fingerprint))) ${p}.topology.party_to_key_mappings.propose(party, PositiveInt.tryCreate(${o.threshold}), NonEmpty(Seq, ${ids.map((x) => v('pk', x)).join(', ')}), store = syncId, synchronize = None, mustFullyAuthorize = false)`),
      wait(`${p2kRows('party', false)}.exists(r => r.item.signingKeys.size == protoKeys.size && protoKeys.forall(k => r.item.signingKeys.exists(x => x.fingerprint == k.fingerprint)))`, scalaString(`the PartyToKey mapping did not become effective after ${o.waitSeconds} s`)),
      print('party-to-key', ['{"keys":[', code(strList('protoKeys', (x) => `${x}.fingerprint.toProtoPrimitive`)), ']}']),
    ],
  };
  const steps: string[] = [];
  if (o.steps.length > 0) {
    steps.push(
      '// The keys: looked up again, generated only where missing. Their names are fixed, so a re-run finds them.',
      ...ids.map((p) => `val ${v('ns', p)} = ${v('ns', p)}Opt.getOrElse(${p}.keys.secret.generate_signing_key(nsKeyName, SigningKeyUsage.NamespaceOnly))`),
      `val owners = Set(${ids.map((p) => `Namespace(${v('ns', p)}.fingerprint)`).join(', ')})`,
      `val ns = ${nsExpr((p) => v('ns', p))}`,
      `val dnd = DecentralizedNamespaceDefinition.tryCreate(ns, PositiveInt.tryCreate(${o.threshold}), NonEmpty(Set, ${ids.map((p) => `Namespace(${v('ns', p)}.fingerprint)`).join(', ')}))`,
      `val dndListed = ${dndRows('ns', false)}.exists(r => r.item.threshold.value == ${o.threshold} && r.item.owners.size == ${o.owners.length} && owners.forall(x => r.item.owners.contains(x)))`,
      `val party = PartyId.tryCreate(${scalaString(o.hint)}, ns)`,
      `val hosts = Seq(${ids.map((p) => `(${p}.id, ParticipantPermission.${o.permission})`).join(', ')})`,
      `val hostingListed = ${hostingDone(o, ids, p2pRows('party', false))}`,
      '',
      ...o.steps.flatMap((s) => [...blocks[s](), '']),
    );
  }
  return fillTemplate(t, {
    projectDir: commentSafe(o.projectDir),
    template: commentSafe(t.path),
    partyComment: commentSafe(o.hint),
    ownersComment: commentSafe(o.owners.join(', ')),
    alias: scalaString(o.alias),
    anchor,
    nsKeyName: scalaString(keyNames(o.hint).ns),
    protoKeyName: scalaString(keyNames(o.hint).proto),
    observe: observe.join('\n'),
    steps: steps.join('\n') || '// (observation only)',
  });
}

/** The effective mapping hosts exactly the owners with the permission and has the confirmation threshold. */
function hostingDone(o: DecentralScriptInput, ids: string[], rows: string): string {
  return `${rows}.filter(r => r.item.partyId == party).exists(r => r.item.threshold.value == ${o.confirmationThreshold} && r.item.participants.size == ${ids.length} && Seq(${ids.map((p) => `${p}.id`).join(', ')}).forall(pid => r.item.participants.exists(h => h.participantId == pid && h.permission == ParticipantPermission.${o.permission})))`;
}

export { STEP_LINE_PREFIX };
