/**
 * Workflow 1 for an external party, canton-mpc's side of the console run: when the script reports the
 * proposal hash (`external-hash`), the hash is signed by the party's signer (in-process key or the
 * user's command), verified, and written next to it as `proposal.sig`; the waiting script then loads the
 * signed proposal. If canton-mpc will not sign (wrong key, failed command, bad signature), it writes
 * `proposal.refused` so the script stops at once, and the run fails with the signer's error.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteError } from '../errors.js';
import type { ConsoleStep } from '../canton/console.js';
import { writeFileAtomic } from '../system/fs.js';
import { externalFailure } from './external-errors.js';
import { isCantonHash } from './external-hash.js';
import { renderExternalReplicateScript } from './external-scripts.js';
import { signHash, type ExternalSigner } from './external-signer.js';
import type { ReplicateScriptInput } from './scripts.js';
import { namespaceOf } from './types.js';

/** How long the console waits for the signature: a KMS/HSM may need a human's approval. */
export const EXTERNAL_SIGN_WAIT_SECONDS = 300;

export interface ExternalSigning {
  signer: ExternalSigner;
  /** The run directory: proposal.hash, proposal.sig, proposal.refused. */
  dir: string;
  signWaitSeconds?: number;
  /** The daemon's log: where Canton writes the details of a refusal it redacts for the console. */
  logFile?: string;
}

export const EXTERNAL_TITLES = {
  'propose-participant-side': 'propose the hosting on the target (participant side); its hash goes to the run directory',
  'propose-party-side': "sign the proposal hash with the external party's key, verify it, load the signed proposal",
} as const;

export function externalBatch(x: ExternalSigning, input: ReplicateScriptInput, label: string) {
  const hashFile = join(x.dir, 'proposal.hash');
  const signatureFile = join(x.dir, 'proposal.sig');
  const refusedFile = join(x.dir, 'proposal.refused');
  // A signature left by an interrupted run must not be taken for this run's.
  for (const f of [signatureFile, refusedFile]) rmSync(f, { force: true });
  const script = renderExternalReplicateScript(input, { hashFile, signatureFile, refusedFile, fingerprint: namespaceOf(input.partyId), signWaitSeconds: x.signWaitSeconds ?? EXTERNAL_SIGN_WAIT_SECONDS });
  let error: unknown;
  const sign = async () => {
    const hash = readFileSync(hashFile);
    if (!isCantonHash(hash)) throw new RemoteError(`the console wrote ${hashFile} with ${hash.length} bytes, not a Canton hash (34 bytes, 1220…)`, { hint: 'Nothing was signed. Check the templates (--templates) and run the same command again.' });
    await signHash(x.signer, hash, x.dir, 'proposal', namespaceOf(input.partyId), label);
  };
  return {
    script,
    onStep(s: ConsoleStep) {
      if (s.id !== 'external-hash') return;
      sign().catch(async (e: unknown) => {
        error = e;
        await writeFileAtomic(refusedFile, `${e instanceof Error ? e.message : String(e)}\n`).catch(() => undefined);
      });
    },
    /** Why the run failed: the signer's refusal, else the console's, explained when it is Canton's. */
    failure: (consoleError: unknown): unknown => error ?? externalFailure(consoleError, x.logFile, namespaceOf(input.partyId), x.signer.fingerprint),
  };
}

