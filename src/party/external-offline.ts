/**
 * The external branch of Workflow 2 (seed 003, step 6 "For an external party"): the target's step-3
 * proposal is kept in the run directory (`proposal.writeToFile`, the SignedTopologyTransaction as Canton
 * serializes it) and its hash signed right away, while the target is still connected; step 6, after the
 * target disconnected and the offset was recorded, reads it back
 * (`SignedTopologyTransaction.readFromTrustedFilePVV`, what `topology.transactions.load_single_from_file`
 * uses, TopologyAdministrationGroup.scala:366-387), adds the party key's signature and loads it on the
 * source. A run interrupted anywhere in between resumes from those two files.
 */
import { scalaString } from '../render/scala.js';
import type { ExternalFiles } from './external-scripts.js';
import { jsonLine, scriptParts } from './scripts.js';
import type { OfflineConsoleStep, OfflineScriptInput } from './scripts-offline.js';

const path = (p: string) => `java.nio.file.Paths.get(${scalaString(p)})`;
const exists = (p: string) => `java.nio.file.Files.exists(${path(p)})`;

export function externalOfflineBlocks(o: Omit<OfflineScriptInput, 'overrides'>, f: ExternalFiles & { proposalFile: string }): Partial<Record<OfflineConsoleStep, () => string>> {
  const { src, tgt, perm, wait } = scriptParts(o);
  const done = (id: string) => `println(${jsonLine(id, ['{}'])})`;
  return {
    'propose-target-onboarding': () =>
      [
        '// Step 3: the target proposes to host the external party, still onboarding; the proposal is kept and its hash signed now.',
        `val proposal = ${tgt}.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((${tgt}.id, ${perm})), store = syncId, requiresPartyToBeOnboarded = true)`,
        `proposal.writeToFile(${scalaString(f.proposalFile)})`,
        `java.nio.file.Files.write(${path(f.hashFile)}, proposal.hash.hash.getCryptographicEvidence.toByteArray)`,
        `println(${jsonLine('external-hash', [`{"hashFile":${JSON.stringify(f.hashFile)}}`])})`,
        `${wait(f.signWaitSeconds, 1)}(${exists(f.signatureFile)} || ${exists(f.refusedFile)}, ${scalaString('no signature of the proposal hash arrived')})`,
        `${wait(1, 1)}(${exists(f.signatureFile)}, ${scalaString(`canton-mpc did not sign the proposal hash (see ${f.refusedFile})`)})`,
        done('propose-target-onboarding'),
      ].join('\n'),
    'propose-party-side': () =>
      [
        `// Step 6, external party: its namespace key signed the target's proposal (the offset before it was journaled: ${o.beforeActivationOffset}).`,
        `${wait(1, 1)}(${exists(f.proposalFile)} && ${exists(f.signatureFile)}, ${scalaString(`the signed proposal is missing from the run directory (${f.proposalFile}, ${f.signatureFile})`)})`,
        `val keptProposal = com.digitalasset.canton.topology.transaction.SignedTopologyTransaction.readFromTrustedFilePVV(${scalaString(f.proposalFile)}).toOption.get`,
        `val partySignature = Signature.fromExternalSigning(format = SignatureFormat.Concat, signature = com.google.protobuf.ByteString.copyFrom(java.nio.file.Files.readAllBytes(${path(f.signatureFile)})), signedBy = Fingerprint.tryFromString(${scalaString(f.fingerprint)}), signingAlgorithmSpec = SigningAlgorithmSpec.Ed25519)`,
        `${src}.topology.transactions.load(transactions = Seq(keptProposal.addSingleSignature(partySignature)), store = syncId)`,
        done('propose-party-side'),
      ].join('\n'),
  };
}
