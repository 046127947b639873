/**
 * The parties `canton-mpc env` exports besides the config's (state.json): decentralized parties
 * (`party decentralize`, `up` with `parties.<name>.decentralized`) and external parties
 * (`party allocate-external`). Each is recorded in its own `party.json` under `.canton-mpc/`; this
 * reads those records (never key material: the records hold none, and only public fields are kept).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError } from '../errors.js';
import { DECENTRAL_DIR, decentralDir, decentralParties } from '../party/decentral-registry.js';
import { EXTERNAL_DIR, externalRecordCurrent, type ExternalPartyRecord } from '../party/external-allocate.js';
import type { State } from '../state/state.js';
import { readJsonIfExists } from '../system/fs.js';
import type { EnvDecentralParty, EnvExternalParty } from './env.js';

/** `<dir>/<name>/party.json` for every subdirectory of `dir` that has one, sorted by name. */
function recordFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name, 'party.json')).sort();
}

/** A record, or undefined when the run that writes it has not finished; an unreadable one is an error, not a party dropped. */
async function readRecord<T>(file: string, rerun: string): Promise<T | undefined> {
  try {
    return await readJsonIfExists<T>(file);
  } catch (e) {
    throw new UserError(`${file} is not readable as JSON (${(e as Error).message}): canton-mpc env cannot export that party`, {
      where: file,
      hint: `Move the file aside and run \`${rerun}\` again: it converges and writes the record anew.`,
      exitCode: ExitCode.CONFIG,
      kind: 'party_record_unreadable',
    });
  }
}

export async function decentralEnvParties(t: Topology, state: State): Promise<EnvDecentralParty[]> {
  // decentral-registry skips an unreadable record as if absent; here that would drop a party silently.
  for (const f of recordFiles(join(t.stateDir, DECENTRAL_DIR))) await readRecord(f, 'canton-mpc party decentralize NAME …');
  // Only current records: one from an earlier daemon start of a memory-storage owner describes nothing.
  return (await decentralParties(t, state)).map((r) => ({
    name: r.name,
    id: r.id,
    owners: r.owners,
    threshold: r.threshold,
    confirmationThreshold: r.confirmationThreshold,
    file: join(decentralDir(t, r.name), 'party.json'),
  }));
}

export async function externalEnvParties(t: Topology, state: State): Promise<EnvExternalParty[]> {
  const out: EnvExternalParty[] = [];
  for (const file of recordFiles(join(t.stateDir, EXTERNAL_DIR))) {
    const r = await readRecord<ExternalPartyRecord>(file, 'canton-mpc party allocate-external NAME');
    // No record yet: the allocation did not finish (its journal lives in the same directory).
    if (!r?.partyId) continue;
    // Allocated under an earlier start of a memory-storage participant: that party is gone.
    if (!externalRecordCurrent(t, state, r)) continue;
    // Public facts only: the key file paths and the signing command stay out of the environment.
    out.push({ name: r.name, id: r.partyId, participant: r.participant, ...(r.fingerprint ? { fingerprint: r.fingerprint } : {}), file });
  }
  return out;
}
