/**
 * The external branch of Workflow 1's console script (seed 003, "For an external party"): the target
 * proposes the hosting (participant side), the script writes the proposal's hash to the run directory,
 * reports it, and waits for canton-mpc to put the party key's signature next to it; then the source loads
 * the proposal with that signature (`Signature.fromExternalSigning` → `addSingleSignature` →
 * `topology.transactions.load`). One console run: no second JVM start for the signature.
 *
 * The target's proposal is made whenever the party side is still pending: proposing the same transaction
 * with the same signer again is ignored by Canton (TopologyManager.add, "Ignoring existing transactions"),
 * and it is how a resumed run gets the proposal (and its hash) back.
 */
import { commentSafe, fillTemplate, loadTemplate } from '../render/templates.js';
import { scalaString } from '../render/scala.js';
import { awaitEffectiveBlock, jsonLine, proposeExpr, scriptParts, type ReplicateScriptInput } from './scripts.js';

export interface ExternalFiles {
  hashFile: string;
  signatureFile: string;
  /** canton-mpc writes it (with the reason) when it will not sign: the script stops waiting. */
  refusedFile: string;
  /** The party's namespace: the fingerprint of its key. */
  fingerprint: string;
  /** How long the script waits for the signature (a KMS approval may take a while). */
  signWaitSeconds: number;
}

const path = (p: string) => `java.nio.file.Paths.get(${scalaString(p)})`;
const exists = (p: string) => `java.nio.file.Files.exists(${path(p)})`;

export function renderExternalReplicateScript(o: ReplicateScriptInput, f: ExternalFiles): string {
  const t = loadTemplate('party-replicate.canton', o.templatesDir);
  const { src, wait, vetBlock, slots } = scriptParts(o);
  const partySide = o.steps.includes('propose-party-side');
  const blocks: string[] = [];
  if (o.steps.includes('vet-packages')) blocks.push(vetBlock('// Step 2 of the runbook: vet every package the party uses on the target, and check it took effect.'));
  if (partySide || o.steps.includes('propose-participant-side')) {
    blocks.push(
      [
        `// Step 3, participant side: ${commentSafe(o.target)} agrees to host the external party, with ${o.permission}.`,
        `val proposal = ${proposeExpr(o, slots(t).target)}`,
        `println(${jsonLine('propose-participant-side', ['{}'])})`,
      ].join('\n'),
    );
  }
  if (partySide) {
    blocks.push(
      [
        "// Step 3, party side: the party's own namespace key signs the proposal hash (outside Canton).",
        `java.nio.file.Files.write(${path(f.hashFile)}, proposal.hash.hash.getCryptographicEvidence.toByteArray)`,
        `println(${jsonLine('external-hash', [`{"hashFile":${JSON.stringify(f.hashFile)}}`])})`,
        `${wait(f.signWaitSeconds, 1)}(${exists(f.signatureFile)} || ${exists(f.refusedFile)}, ${scalaString('no signature of the proposal hash arrived')})`,
        `${wait(1, 1)}(${exists(f.signatureFile)}, ${scalaString(`canton-mpc did not sign the proposal hash (see ${f.refusedFile})`)})`,
        `val partySignature = Signature.fromExternalSigning(format = SignatureFormat.Concat, signature = com.google.protobuf.ByteString.copyFrom(java.nio.file.Files.readAllBytes(${path(f.signatureFile)})), signedBy = Fingerprint.tryFromString(${scalaString(f.fingerprint)}), signingAlgorithmSpec = SigningAlgorithmSpec.Ed25519)`,
        `${src}.topology.transactions.load(transactions = Seq(proposal.addSingleSignature(partySignature)), store = syncId)`,
        `println(${jsonLine('propose-party-side', ['{}'])})`,
      ].join('\n'),
    );
  }
  if (o.steps.includes('await-effective')) blocks.push(awaitEffectiveBlock(o));
  return fillTemplate(t, { ...slots(t), steps: blocks.join('\n\n') || '// (nothing pending)' });
}
