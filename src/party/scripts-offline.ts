/**
 * The console batches of Workflow 2 (offline party replication), rendered from
 * templates/party-offline.canton: every step is the 3.4.11 call of FACTS §3's runbook sequence and
 * prints its line when done. Pure.
 */
import { fillTemplate, loadTemplate } from '../render/templates.js';
import { scalaIdent, scalaString } from '../render/scala.js';
import { jsonLine, scriptParts } from './scripts.js';
import type { Permission, PruningSchedule } from './types.js';

export const OFFLINE_BATCHES = {
  /** Console run 2: everything up to the export, and the pruning schedule back. */
  prepare: ['vet-packages', 'pause-pruning', 'propose-target-onboarding', 'disconnect-target', 'manual-connect', 'propose-party-side', 'export-acs', 'restore-pruning'],
  /** Console run 3: the import alone, so a crash during it is told apart from one after it. */
  import: ['import-acs'],
  /** Console run 4: reconnect and clear the onboarding flag. */
  finish: ['record-target-end', 'reconnect-target', 'auto-reconnect', 'clear-onboarding-flag'],
} as const;
export type OfflineBatch = keyof typeof OFFLINE_BATCHES;
export type OfflineConsoleStep = (typeof OFFLINE_BATCHES)[OfflineBatch][number];

export interface OfflineScriptInput {
  projectDir: string;
  templatesDir?: string;
  alias: string;
  partyId: string;
  source: string;
  target: string;
  permission: Permission;
  batch: OfflineBatch;
  steps: OfflineConsoleStep[];
  dars: string[];
  packages: string[];
  /** The source's schedule recorded before it was cleared; null: none to restore. */
  pruning: PruningSchedule | null;
  beforeActivationOffset: number;
  exportFile: string;
  /** Journaled by an earlier run when record-target-end is not pending. */
  targetLedgerEnd?: number;
  waitSeconds: number;
  flagTimeoutSeconds: number;
  /** A decentralized party: the owners that propose step 6, each with the owner keys it holds (threshold-signers.ts). */
  partySigners?: string[];
  /** Blocks that replace the local-party ones (an external party's steps 3 and 6: external-offline.ts). */
  overrides?: Partial<Record<OfflineConsoleStep, () => string>>;
}

export function renderOfflineScript(o: OfflineScriptInput): string {
  const t = loadTemplate('party-offline.canton', o.templatesDir);
  const { src, tgt, perm, wait, vetBlock, slots } = scriptParts(o);
  const done = (id: string, pieces: Parameters<typeof jsonLine>[1] = ['{}']) => `println(${jsonLine(id, pieces)})`;
  const blocks: Record<OfflineConsoleStep, () => string> = {
    'vet-packages': () => vetBlock('// Step 1: vet the packages on the target and verify, before any topology write.'),
    'pause-pruning': () => ['// Step 2: no automatic pruning on the source until the export is done (canton-mpc recorded the schedule).', `${src}.pruning.clear_schedule()`, done('pause-pruning')].join('\n'),
    'propose-target-onboarding': () => [
      '// Step 3: the target proposes to host the party, still onboarding.',
      // A decentralized party: the target signs with its participant key only. An owner key it holds must not
      // count yet: the mapping may become effective only in step 6, once the target is disconnected.
      `${tgt}.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((${tgt}.id, ${perm})), store = syncId, requiresPartyToBeOnboarded = true${o.partySigners ? `, signedBy = Some(${tgt}.id.fingerprint)` : ''})`,
      done('propose-target-onboarding'),
    ].join('\n'),
    'disconnect-target': () => ['// Step 4: the target leaves every synchronizer before the party-side authorization.', `${tgt}.synchronizers.disconnect_all()`, done('disconnect-target')].join('\n'),
    'manual-connect': () => ['// Step 5: and does not reconnect by itself if it restarts during the import.', `${tgt}.synchronizers.modify(alias, _.copy(manualConnect = true))`, done('manual-connect')].join('\n'),
    'propose-party-side': () => {
      const delta = (node: string) => `${node}.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((${tgt}.id, ${perm})), store = syncId, requiresPartyToBeOnboarded = true)`;
      return [
        o.partySigners
          ? `// Step 6: the party side; its namespace is decentralized, so ${o.partySigners.join(', ') || '(no one: the threshold is met)'} sign with their owner keys until the threshold is met; the offset before it was journaled: ${o.beforeActivationOffset}.`
          : `// Step 6: the party side (${o.source} holds its namespace key); the offset before it was journaled: ${o.beforeActivationOffset}.`,
        ...(o.partySigners ? o.partySigners.map((n) => delta(scalaIdent(n))) : [delta(src)]),
        done('propose-party-side'),
      ].join('\n');
    },
    'export-acs': () => [
      '// Step 7: the ACS of the party at its activation on the target.',
      `${src}.parties.export_party_acs(party = party, synchronizerId = syncId, targetParticipantId = ${tgt}.id, beginOffsetExclusive = ${o.beforeActivationOffset}L, exportFilePath = ${scalaString(o.exportFile)})`,
      done('export-acs'),
    ].join('\n'),
    'restore-pruning': () =>
      o.pruning
        ? ['// Step 8: the pruning schedule as it was.', `${src}.pruning.set_schedule(${scalaString(o.pruning.cron)}, ${o.pruning.maxSeconds}.seconds, ${o.pruning.retentionSeconds}.seconds)`, done('restore-pruning')].join('\n')
        : done('restore-pruning'),
    'import-acs': () => ['// Step 10: the import, exactly once (canton-mpc backed the target up first).', `${tgt}.parties.import_party_acs(${scalaString(o.exportFile)})`, done('import-acs')].join('\n'),
    'record-target-end': () => [
      '// Step 11: the target ledger end, for the flag clearance.',
      'val targetLedgerEnd = ' + `${tgt}.ledger_api.state.end()`,
      done('record-target-end', ['{"end":', { code: 'targetLedgerEnd' }, '}']),
    ].join('\n'),
    'reconnect-target': () => [`${tgt}.synchronizers.reconnect_local(alias)`, done('reconnect-target')].join('\n'),
    'auto-reconnect': () => ['// Step 12: automatic reconnects, as before.', `${tgt}.synchronizers.modify(alias, _.copy(manualConnect = false))`, done('auto-reconnect')].join('\n'),
    'clear-onboarding-flag': () => [
      '// Step 13: clear the onboarding flag (3.4.11 returns (Boolean, Option[CantonTimestamp]): true means cleared).',
      `${wait(o.flagTimeoutSeconds, 60)}(${tgt}.parties.clear_party_onboarding_flag(party, syncId, targetLedgerEnd)._1, ${scalaString(`the onboarding flag on ${o.target} did not clear yet`)})`,
      done('clear-onboarding-flag'),
    ].join('\n'),
  };
  const steps = o.steps.map((s) => (o.overrides?.[s] ?? blocks[s])());
  // The flag needs the ledger end: journaled by an earlier run when that step is not in this batch.
  if (o.batch === 'finish' && !o.steps.includes('record-target-end') && o.steps.includes('clear-onboarding-flag')) steps.unshift(`val targetLedgerEnd = ${o.targetLedgerEnd ?? 0}L`);
  return fillTemplate(t, {
    ...slots(t),
    batch: o.batch,
    steps: steps.join('\n\n') || '// (nothing pending)',
  });
}
