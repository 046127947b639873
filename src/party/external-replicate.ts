/**
 * canton-mpc's side of an external party's console run (Workflows 1 and 2): when a script reports the
 * proposal hash (`external-hash`), the hash is signed by the party's signer (in-process key or the
 * user's command), verified, and written next to it as `proposal.sig`; the waiting script then goes on
 * and loads the signed proposal. If canton-mpc will not sign (wrong key, failed command, bad signature),
 * it writes `proposal.refused` so the script stops at once, and the run fails with the signer's error.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteError } from '../errors.js';
import type { ConsoleStep } from '../canton/console.js';
import { writeFileAtomic } from '../system/fs.js';
import { externalFailure } from './external-errors.js';
import { isCantonHash } from './external-hash.js';
import { renderExternalReplicateScript, type ExternalFiles } from './external-scripts.js';
import { signHash, type ExternalSigner } from './external-signer.js';
import type { ReplicateScriptInput } from './scripts.js';
import { namespaceOf } from './types.js';

/** How long the console waits for the signature: a KMS/HSM may need a human's approval. */
export const EXTERNAL_SIGN_WAIT_SECONDS = 300;

export interface ExternalSigning {
  signer: ExternalSigner;
  /** The run directory: proposal.hash, proposal.sig, proposal.refused (and proposal.stx in Workflow 2). */
  dir: string;
  signWaitSeconds?: number;
  /** The daemon's log: where Canton writes the details of a refusal it redacts for the console. */
  logFile?: string;
}

export const EXTERNAL_TITLES = {
  'propose-participant-side': 'propose the hosting on the target (participant side); its hash goes to the run directory',
  'propose-party-side': "sign the proposal hash with the external party's key, verify it, load the signed proposal",
} as const;

/** The files of one signing, the step hook that signs, and the run's failure explained. */
export function signingSession(x: ExternalSigning, partyId: string, label: string, o: { fresh: boolean }) {
  const files: ExternalFiles & { proposalFile: string } = {
    hashFile: join(x.dir, 'proposal.hash'),
    signatureFile: join(x.dir, 'proposal.sig'),
    refusedFile: join(x.dir, 'proposal.refused'),
    proposalFile: join(x.dir, 'proposal.stx'),
    fingerprint: namespaceOf(partyId),
    signWaitSeconds: x.signWaitSeconds ?? EXTERNAL_SIGN_WAIT_SECONDS,
  };
  // A signature left by an interrupted run must not be taken for a fresh proposal's.
  rmSync(files.refusedFile, { force: true });
  if (o.fresh) rmSync(files.signatureFile, { force: true });
  let error: unknown;
  const sign = async () => {
    const hash = readFileSync(files.hashFile);
    if (!isCantonHash(hash)) throw new RemoteError(`the console wrote ${files.hashFile} with ${hash.length} bytes, not a Canton hash (34 bytes, 1220…)`, { hint: 'Nothing was signed. Check the templates (--templates) and run the same command again.' });
    await signHash(x.signer, hash, x.dir, 'proposal', files.fingerprint, label);
  };
  return {
    files,
    /** Signed and kept from an earlier run of this replication (Workflow 2 resumes from them). */
    kept: () => existsSync(files.proposalFile) && existsSync(files.signatureFile),
    onStep(s: ConsoleStep) {
      if (s.id !== 'external-hash') return;
      sign().catch(async (e: unknown) => {
        error = e;
        await writeFileAtomic(files.refusedFile, `${e instanceof Error ? e.message : String(e)}\n`).catch(() => undefined);
      });
    },
    /** Why the run failed: the signer's refusal, else the console's, explained when it is Canton's. */
    failure: (consoleError: unknown): unknown => error ?? externalFailure(consoleError, x.logFile, files.fingerprint, x.signer.fingerprint),
  };
}

export function externalBatch(x: ExternalSigning, input: ReplicateScriptInput, label: string) {
  const session = signingSession(x, input.partyId, label, { fresh: true });
  return { ...session, script: renderExternalReplicateScript(input, session.files) };
}
