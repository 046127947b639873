/**
 * The external-party checks of the replication preflights (Workflows 1 and 2), pure: refused before
 * anything is proposed when canton-mpc has no signer for the party, or a signer whose key is not the
 * party's namespace key (the party id's namespace is that key's fingerprint).
 */
import { ExitCode, UserError } from '../errors.js';
import { namespaceOf } from './types.js';

export function externalKeyProblem(label: string, partyId: string, signerFingerprint: string | undefined): void {
  const expected = namespaceOf(partyId);
  if (signerFingerprint === undefined) {
    throw new UserError(`party ${label} is an external party: its namespace key ${expected} must sign the hosting change, and no key was given`, {
      hint: 'Pass --key FILE (its Ed25519 private key, mode 0600) or --sign-with-command CMD --public-key FILE; a party from `canton-mpc party allocate-external` uses its recorded key. Nothing was proposed.',
      exitCode: ExitCode.REFUSED,
      kind: 'external_key_needed',
      data: { expectedKey: expected },
    });
  }
  if (signerFingerprint !== expected) {
    throw new UserError(`the key given for ${label} is not its namespace key: ${label} expects a signature by ${expected}, the key's fingerprint is ${signerFingerprint}`, {
      hint: "Use the party's own key; nothing was proposed.",
      exitCode: ExitCode.REFUSED,
      kind: 'external_wrong_key',
      data: { expectedKey: expected, signingKey: signerFingerprint },
    });
  }
}

/**
 * Workflow 2, external party, no signed proposal kept from an earlier run: the target proposes again
 * (Canton ignores the same transaction with the same signer) — possible only while it is connected.
 */
export function externalReproposal(label: string, target: string, targetConnected: boolean, pending: Set<string>): void {
  if (!targetConnected) {
    throw new UserError(`the signed proposal for ${label} is gone from the run directory and ${target} is already disconnected`, {
      hint: `Restore proposal.stx and proposal.sig in the run directory, or reconnect ${target} (\`canton-mpc down\` and \`up\`) and run the same command again: it proposes and signs again before disconnecting.`,
      exitCode: ExitCode.REFUSED,
      kind: 'external_proposal_missing',
    });
  }
  pending.add('propose-target-onboarding');
}
