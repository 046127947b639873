// Offline party replication on the node side: the ACS of one party exported from the source, imported
// on the target, and the onboarding flag. Rules from Canton 3.4 (release-line-3.4 a904e34):
//  - import only with persistent storage and no synchronizer connected (RepairService.scala:1215,
//    1256), both reported as IMPORT_ACS_ERROR (RepairServiceError.scala:182, InvalidIndependentOfSystemState);
//  - export only once the party is active on the target (PartiesAdministration.export_party_acs) and
//    for offsets not pruned away (the runbook's "data not available");
//  - the onboarding flag is cleared by the participant's own proposal (TopologyMapping.requiredAuth:
//    clearing needs the participant's namespace), only once the target is connected again and has the
//    party's contracts.
// Faults (faults.ts): a daemon killed half-way through an import, a corrupted export file.
import { existsSync, writeFileSync } from 'node:fs';
import type { Env } from './env.js';
import { CantonError } from './errors.js';
import { faults } from './faults.js';
import type { Contract } from './state.js';
import { proposeP2P } from './topology.js';
import { logUpdate } from './updates.js';

export const ACS_FORMAT = 'canton-emulator-acs/1';
export interface AcsFile { format: string; party: string; synchronizerId: string; sourceParticipant: string; targetParticipant: string; offset: number; contracts: Contract[] }

export function exportAcs(env: Env, node: string, a: { party: string; synchronizerId: string; target: string; beginOffsetExclusive: number }): AcsFile {
  const p = env.participant(node);
  const topo = env.registeredTopologies(p).find((t) => t.synchronizerId === a.synchronizerId || t.physicalId === a.synchronizerId);
  if (!topo) throw new CantonError('INVALID_ARGUMENT', 8, `Synchronizer ${a.synchronizerId} is not known on ${p.uid}`);
  const m = topo.partyToParticipant[a.party];
  const target = a.target.replace(/^PAR::/, '');
  if (!m?.participants.some((h) => h.participantUid === target)) {
    throw new CantonError('INVALID_ARGUMENT', 8, `Party ${a.party} is not yet activated on target participant ${target}: no effective PartyToParticipant mapping after offset ${a.beginOffsetExclusive}`);
  }
  if (a.beginOffsetExclusive < p.pruning.prunedUpTo) {
    throw new CantonError('PARTICIPANT_PRUNED_DATA_ACCESSED', 9, `Command execution failed: data not available: the participant was pruned up to offset ${p.pruning.prunedUpTo}, after the requested offset ${a.beginOffsetExclusive}`);
  }
  const contracts = env.acs(p, [a.party]);
  p.acsExports.push({ file: '', party: a.party, synchronizerId: topo.synchronizerId, participantId: target, offset: p.offset, contracts: contracts.length, at: new Date().toISOString() });
  return { format: ACS_FORMAT, party: a.party, synchronizerId: topo.synchronizerId, sourceParticipant: p.uid, targetParticipant: target, offset: p.offset, contracts };
}

export async function importAcs(env: Env, node: string, file: AcsFile): Promise<{ imported: number }> {
  const p = env.participant(node);
  const cfg = env.nodeCfg(node);
  if (cfg?.storage.type !== 'postgres') {
    throw new CantonError('IMPORT_ACS_ERROR', 8, `${file.synchronizerId}::34-0 is in memory which is not supported by repair. Use db persistence.`);
  }
  if (Object.values(p.connections).some((c) => c.connected)) {
    throw new CantonError('IMPORT_ACS_ERROR', 8, 'There are still synchronizers connected. Please disconnect all synchronizers.');
  }
  const dup = file.contracts.find((c) => p.contracts[c.contractId]);
  if (dup) throw new CantonError('IMPORT_ACS_ERROR', 8, `Failed to import contract ${dup.contractId}: the contract is already active on ${p.uid}`);
  let n = 0;
  const half = Math.ceil(file.contracts.length / 2);
  for (const c of file.contracts) {
    p.offset += 1;
    p.contracts[c.contractId] = { ...c, offset: p.offset };
    // The repair indexer publishes each imported contract as a create on the target's ledger.
    logUpdate(p, [{ kind: 'created', contract: p.contracts[c.contractId]! }], file.synchronizerId);
    n++;
    if (n === half && faults.killDuringImport && !existsSync(faults.killDuringImport)) {
      // One-shot: the marker file says it happened. The partial import is on disk, as after a crash.
      writeFileSync(faults.killDuringImport, `${new Date().toISOString()} killed after ${n} of ${file.contracts.length} contracts\n`);
      await env.save(node);
      process.kill(process.pid, 'SIGKILL');
    }
  }
  p.acsImports.push({ file: '', party: file.party, synchronizerId: file.synchronizerId, participantId: p.uid, offset: p.offset, contracts: n, at: new Date().toISOString() });
  return { imported: n };
}

/** 3.4.11: `(true, None)` once cleared (or never set), `(false, Some(ts))` while it must stay set. */
export function clearOnboardingFlag(env: Env, node: string, a: { party: string; synchronizerId: string }): { cleared: boolean; safeAfter?: string } {
  const p = env.participant(node);
  const topo = env.registeredTopologies(p).find((t) => t.synchronizerId === a.synchronizerId || t.physicalId === a.synchronizerId);
  const m = topo?.partyToParticipant[a.party];
  const h = m?.participants.find((x) => x.participantUid === p.uid);
  if (!topo || !m || !h) throw new CantonError('INVALID_ARGUMENT', 8, `Party ${a.party} is not hosted by ${p.uid} on ${a.synchronizerId}`);
  if (!h.onboarding) return { cleared: true };
  const connected = Object.values(p.connections).some((c) => c.connected && c.synchronizerId === topo.synchronizerId);
  const imported = p.acsImports.some((x) => x.party === a.party);
  if (!connected || !imported) return { cleared: false, safeAfter: new Date(Date.now() + 1000).toISOString() };
  proposeP2P(env, p, topo, { party: a.party, threshold: m.threshold, participants: m.participants.map((x) => (x.participantUid === p.uid ? { ...x, onboarding: false } : { ...x })), serial: m.serial + 1 });
  return { cleared: true };
}
