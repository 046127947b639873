/**
 * Workflow 2 (offline party replication) as a Plan on the src/plan/ runner. The journal is the safety
 * case: the values later steps need (the source's pruning schedule, the target's manualConnect, the
 * offset before activation, the export's path and sha256, the backup's path and sha256, the target's
 * ledger end) are journaled as `note` records before the step that needs them, and every step observes
 * before it acts. Four console runs: observe (preflight), prepare (steps 1-8), the import alone, finish
 * (11-13); the backup (step 9) runs here, between them. Guards, not scripts, keep the safety rules:
 * never import without a backup taken in this run, never import on top of a partial import, never
 * reconnect before the import is journaled done.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, RemoteError, UserError } from '../errors.js';
import type { ConsoleStep } from '../canton/console.js';
import type { Journal, JournalRecord } from '../plan/journal.js';
import type { Plan, Step } from '../plan/types.js';
import { sha256File } from '../postgres/backup.js';
import type { ReplicateRequest } from './assess.js';
import { decideWorkflow, permissionProblem } from './decide.js';
import { externalKeyProblem, externalReproposal } from './external-assess.js';
import { signingSession } from './external-replicate.js';
import { externalOfflineBlocks } from './external-offline.js';
import { hostOf } from './observe.js';
import { partySideSigners } from './threshold-signers.js';
import type { PartyIO } from './replicate.js';
import { OFFLINE_BATCHES, renderOfflineScript, type OfflineBatch, type OfflineConsoleStep } from './scripts-offline.js';
import { namespaceOf, type History, type Observation, type PruningSchedule } from './types.js';

export const OFFLINE_STEP_IDS = ['preflight', ...OFFLINE_BATCHES.prepare, 'backup-target', ...OFFLINE_BATCHES.import, ...OFFLINE_BATCHES.finish] as const;
export type OfflineStepId = (typeof OFFLINE_STEP_IDS)[number];
const WAIT_SECONDS = 120;
/** The runbook polls the flag for 2 minutes (default decision timeout 1 minute). */
const FLAG_TIMEOUT_SECONDS = 120;

/** What earlier invocations of this run journaled (notes) and finished. */
export interface OfflineMemory {
  recorded?: { pruning: PruningSchedule | null; manualConnect: boolean; beforeActivationOffset: number };
  export?: { path: string; sha256: string };
  backup?: { path: string; sha256: string; database: string };
  importStarted: boolean;
  importDone: boolean;
  /** The last import failed before touching the ACS (the file was unreadable): re-export, no restore. */
  importRejected: boolean;
  targetEnd?: number;
}

export function offlineMemory(records: JournalRecord[]): OfflineMemory {
  const m: OfflineMemory = { importStarted: false, importDone: false, importRejected: false };
  for (const r of records) {
    const d = r.data ?? {};
    if (r.status === 'note' && r.step === 'preflight' && !m.recorded) m.recorded = d as OfflineMemory['recorded'];
    if (r.status === 'note' && r.step === 'export-acs') m.export = d as OfflineMemory['export'];
    if (r.status === 'note' && r.step === 'backup-target') m.backup = d as OfflineMemory['backup'];
    if (r.status === 'note' && r.step === 'record-target-end') m.targetEnd = Number(d.end);
    if (r.step === 'import-acs') {
      if (r.status === 'started') (m.importStarted = true), (m.importRejected = false);
      if (r.status === 'done') m.importDone = true;
      if (r.status === 'note' && d.rejected === true) (m.importRejected = true), (m.importStarted = false), (m.export = undefined);
    }
    if (r.status === 'note' && r.step === 'restore-backup') m.importStarted = false;
  }
  return m;
}

/** An import began and was never journaled done (nor rejected before it touched anything). */
export const importInterrupted = (m: OfflineMemory): boolean => m.importStarted && !m.importDone;

export interface OfflineAssessment {
  alreadyDone: boolean;
  pending: OfflineStepId[];
  missingPackages: string[];
  recorded: NonNullable<OfflineMemory['recorded']>;
  notes: string[];
  /** A decentralized party: who signs step 6 with their owner keys (threshold-signers.ts). */
  partySigners?: string[];
}

const refuse = (message: string, hint: string, kind: string) => new UserError(message, { hint, exitCode: ExitCode.REFUSED, kind });

export function assessOffline(req: ReplicateRequest, obs: Observation, history: History, mem: OfflineMemory, o: { targetStorage: string; darFiles: number; exportOk: boolean; backupOk: boolean; externalKey?: string; externalKept?: boolean; alias?: string }): OfflineAssessment {
  const label = req.partyName ?? req.partyId;
  const src = obs.participants[req.source]!;
  const tgt = obs.participants[req.target]!;
  const party = obs.parties[req.partyId];
  const m = party?.mapping;
  if (!party || !m) throw refuse(`party ${label} is not known on the synchronizer`, 'Check the party name (`canton-mpc party status`).', 'party_unknown');
  if (!hostOf(m, src.uid)) throw refuse(`party ${label} is not hosted on ${src.name}`, 'Replicate from a participant that hosts it (--from).', 'not_hosted_on_source');
  const hostT = hostOf(m, tgt.uid);
  const recorded = mem.recorded ?? { pruning: src.pruning, manualConnect: tgt.manualConnect, beforeActivationOffset: src.end };
  const notes: string[] = [];
  if (hostT && !hostT.onboarding && (mem.importDone || !mem.recorded)) {
    if (hostT.permission !== req.permission) throw refuse(`${tgt.name} already hosts ${label} with ${hostT.permission}`, `Pass --permission ${hostT.permission.toLowerCase()} to confirm the current hosting.`, 'already_hosted_otherwise');
    return { alreadyDone: true, pending: [], missingPackages: [], recorded, notes };
  }
  if (o.targetStorage !== 'postgres') {
    throw refuse(`${tgt.name} keeps its state in memory, and Canton's ACS import refuses that ("is in memory which is not supported by repair. Use db persistence.")`, `Offline party replication needs persistent storage on the target: set \`participants.${tgt.name}.storage: postgres\` (or \`storage: postgres\`) and restart with \`canton-mpc down\` and \`canton-mpc up\`. Nothing was changed.`, 'target_not_persistent');
  }
  const d = decideWorkflow({ history: history.state, external: party.external, decentralized: party.decentralized });
  const permErr = permissionProblem(d, req.permission);
  if (permErr) throw refuse(`cannot host ${label} on ${tgt.name} with ${req.permission}: ${permErr}`, 'Use --permission confirmation or --permission observation.', 'permission_not_allowed');
  if (req.permission === 'Submission') throw refuse(`offline party replication onboards ${tgt.name} with Observation or Confirmation, not Submission`, 'Use --permission observation (the default for a party with history) or --permission confirmation.', 'permission_not_allowed');
  if (d.externalSignature) externalKeyProblem(label, req.partyId, o.externalKey);
  if (!d.externalSignature && !d.thresholdAuthorization && namespaceOf(req.partyId) !== namespaceOf(src.uid)) throw refuse(`${src.name} does not hold the namespace key of ${label}`, 'Replicate from the participant that owns it (--from).', 'source_not_owner');
  if (!src.connected) throw refuse(`${src.name} is not connected to the synchronizer`, 'Both participants must be up and connected: `canton-mpc status`.', 'participant_not_connected');
  if (!mem.recorded && !tgt.connected) throw refuse(`${tgt.name} is not connected to the synchronizer`, 'Both participants must be up and connected before step 1: `canton-mpc status`.', 'participant_not_connected');
  if (mem.recorded && !mem.importDone && tgt.connected && !(!hostT && !party.proposals.length)) notes.push(`${tgt.name} is connected again before the import: it is disconnected again and set to manual reconnects (the runbook's fix for a premature reconnect)`);
  const missingPackages = [...new Set([...src.vetted, ...src.dars])].filter((p) => !tgt.vetted.includes(p)).sort();
  if (missingPackages.length > 0 && o.darFiles === 0) throw refuse(`${tgt.name} lacks ${missingPackages.length} package(s) of the party, and no DAR is configured to upload`, 'Add the DAR files to `dars:` in canton-mpc.yaml.', 'packages_missing');

  const proposedByTarget = party.proposals.some((p) => p.hosts.some((h) => h.uid === tgt.uid && h.onboarding) && p.signedBy.includes(namespaceOf(tgt.uid)));
  // A decentralized party: a threshold of its owners sign step 6, the target left out (it is disconnected then).
  const open = party.proposals.find((p) => p.hosts.some((h) => h.uid === tgt.uid && h.onboarding));
  const owners = d.thresholdAuthorization && !hostT ? partySideSigners(party, obs, { label, prefer: [req.source], exclude: [req.target], signedBy: open?.signedBy ?? [], alias: o.alias ?? obs.synchronizerId.split('::')[0]! }) : undefined;
  const importDone = mem.importDone;
  const willDisconnect = !importDone && tgt.connected;
  const p = new Set<OfflineStepId>(['preflight']);
  if (missingPackages.length > 0) p.add('vet-packages');
  if (!importDone && !o.exportOk && recorded.pruning && src.pruning) p.add('pause-pruning');
  if (!hostT && !proposedByTarget) p.add('propose-target-onboarding');
  // An external party's signed proposal is kept in the run directory; without it, the target proposes again.
  if (d.externalSignature && !hostT && !o.externalKept) externalReproposal(label, tgt.name, tgt.connected, p);
  if (willDisconnect) p.add('disconnect-target');
  if (!importDone && !tgt.manualConnect) p.add('manual-connect');
  if (!hostT) p.add('propose-party-side');
  if (!importDone && !o.exportOk) p.add('export-acs');
  if (recorded.pruning && (!src.pruning || p.has('pause-pruning'))) p.add('restore-pruning');
  if (!importDone && !o.backupOk) p.add('backup-target');
  if (!importDone) p.add('import-acs');
  if (mem.targetEnd === undefined) p.add('record-target-end');
  if (willDisconnect || !tgt.connected) p.add('reconnect-target');
  if (!recorded.manualConnect && (p.has('manual-connect') || tgt.manualConnect)) p.add('auto-reconnect');
  if (!hostT || hostT.onboarding) p.add('clear-onboarding-flag');
  return { alreadyDone: false, pending: OFFLINE_STEP_IDS.filter((s) => p.has(s)), missingPackages, recorded, notes, ...(owners ? { partySigners: owners.signers } : {}) };
}

export interface OfflineIO extends PartyIO {
  targetStorage: string;
  /** Step 9: back up the target's database into `dir`; returns what to journal. */
  backupTarget(dir: string): Promise<{ path: string; sha256: string; database: string }>;
  /** Preflight: the backup tools exist and match the server, and there is disk space. */
  checkBackup?(): Promise<void>;
}

export class OfflineRun {
  observation?: Observation;
  history?: History;
  assessment?: OfflineAssessment;
  consolePid?: number;
  readonly exportFile: string;
  private readonly results = new Map<string, Record<string, unknown>>();
  private readonly waiters = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  private readonly batches = new Map<OfflineBatch, { done: boolean; error?: unknown }>();

  constructor(
    readonly req: ReplicateRequest,
    readonly io: OfflineIO,
    readonly dir: string,
    readonly journal: Journal,
    readonly mem: OfflineMemory,
    readonly info: (line: string) => void,
    pre?: { observation: Observation; history: History },
  ) {
    this.exportFile = join(dir, `${(req.partyName ?? 'party').replace(/[^A-Za-z0-9_-]/g, '_')}.acs.gz`);
    if (pre) (this.observation = pre.observation), (this.history = pre.history);
  }

  async assess(): Promise<OfflineAssessment> {
    if (!this.observation || this.assessment) {
      this.observation = await this.io.observe([this.req.partyId], this.req.source);
      const hosts = (this.observation.parties[this.req.partyId]?.mapping?.hosts ?? []).map((h) => h.name ?? h.uid);
      this.history = await this.io.history(this.req.partyId, hosts);
    }
    const exportOk = !!this.mem.export && existsSync(this.mem.export.path) && (await sha256File(this.mem.export.path)) === this.mem.export.sha256;
    const backupOk = !!this.mem.backup && existsSync(this.mem.backup.path) && (await sha256File(this.mem.backup.path)) === this.mem.backup.sha256;
    const ext = this.io.external ? { externalKey: this.io.external.signer.fingerprint, externalKept: signingSession(this.io.external, this.req.partyId, this.req.partyName ?? this.req.partyId, { fresh: false }).kept() } : {};
    this.assessment = assessOffline(this.req, this.observation, this.history!, this.mem, { targetStorage: this.io.targetStorage, darFiles: this.io.darFiles.length, exportOk, backupOk, alias: this.io.alias, ...ext });
    if (!this.mem.recorded) {
      // Before step 1: what must be put back later, and the offset before the party-side authorization.
      this.journal.record('preflight', 'note', undefined, this.assessment.recorded);
      this.mem.recorded = this.assessment.recorded;
    }
    if (this.assessment.pending.includes('backup-target')) await this.io.checkBackup?.();
    for (const n of this.assessment.notes) this.info(n);
    return this.assessment;
  }

  pending(id: string): boolean {
    return (this.assessment?.pending as string[] | undefined)?.includes(id) ?? false;
  }

  step(id: OfflineConsoleStep, batch: OfflineBatch): Promise<void> {
    if (this.results.has(id)) return Promise.resolve();
    const b = this.batches.get(batch);
    if (b?.done) return Promise.reject(b.error ?? new RemoteError(`the console script ended without reporting ${id}`));
    const waiting = new Promise<void>((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    if (!b) this.startBatch(batch);
    return waiting;
  }

  private startBatch(batch: OfflineBatch): void {
    const state = { done: false } as { done: boolean; error?: unknown };
    this.batches.set(batch, state);
    const a = this.assessment!;
    const steps = (OFFLINE_BATCHES[batch] as readonly OfflineConsoleStep[]).filter((s) => this.pending(s));
    const input = {
      projectDir: this.io.projectDir, templatesDir: this.io.templatesDir, alias: this.io.alias, partyId: this.req.partyId,
      source: this.req.source, target: this.req.target, permission: this.req.permission, batch, steps,
      dars: steps.includes('vet-packages') ? this.io.darFiles : [], packages: a.missingPackages, pruning: a.recorded.pruning,
      beforeActivationOffset: a.recorded.beforeActivationOffset, exportFile: this.exportFile, targetLedgerEnd: this.mem.targetEnd,
      waitSeconds: WAIT_SECONDS, flagTimeoutSeconds: FLAG_TIMEOUT_SECONDS,
      ...(a.partySigners ? { partySigners: a.partySigners } : {}),
    };
    // An external party: its key signs the target's proposal (steps 3 and 6, external-offline.ts).
    const ext = this.io.external && batch === 'prepare' ? signingSession(this.io.external, this.req.partyId, this.req.partyName ?? this.req.partyId, { fresh: steps.includes('propose-target-onboarding') }) : undefined;
    const script = renderOfflineScript({ ...input, ...(ext ? { overrides: externalOfflineBlocks(input, ext.files) } : {}) });
    const onStep = (s: ConsoleStep) => {
      ext?.onStep(s);
      this.results.set(s.id, s.data);
      this.waiters.get(s.id)?.resolve();
    };
    void this.io.runScript(`party-offline-${batch}.canton`, script, onStep, (pid) => (this.consolePid = pid)).then(
      () => this.settle(batch, state, undefined),
      (e: unknown) => this.settle(batch, state, ext ? ext.failure(e) : e),
    );
  }

  private settle(batch: OfflineBatch, state: { done: boolean; error?: unknown }, e: unknown): void {
    state.done = true;
    state.error = e;
    this.consolePid = undefined;
    for (const id of OFFLINE_BATCHES[batch]) {
      const w = this.waiters.get(id);
      if (w && !this.results.has(id)) w.reject(e ?? new RemoteError(`the console script ended without reporting ${id}`));
    }
  }

  result(id: string): Record<string, unknown> | undefined {
    return this.results.get(id);
  }
}

const TITLES: Record<OfflineStepId, string> = {
  preflight: 'check persistent storage, connections, packages, tools; record pruning, manualConnect and the offset',
  'vet-packages': '1. vet the packages on the target and verify',
  'pause-pruning': '2. clear the source pruning schedule (recorded)',
  'propose-target-onboarding': '3. target proposes hosting with the onboarding flag',
  'disconnect-target': '4. disconnect the target from all synchronizers',
  'manual-connect': '5. target: manualConnect = true',
  'propose-party-side': '6. party-side authorization on the source',
  'export-acs': '7. export the party ACS into the run directory',
  'restore-pruning': '8. restore the source pruning schedule as recorded',
  'backup-target': '9. back up the target database (pg_dump, sha256 journaled)',
  'import-acs': '10. import the ACS on the target, exactly once',
  'record-target-end': '11. record the target ledger end',
  'reconnect-target': '11. reconnect the target',
  'auto-reconnect': '12. target: manualConnect = false, as before',
  'clear-onboarding-flag': '13. clear the onboarding flag (polled)',
};

const batchOf = (id: OfflineStepId): OfflineBatch | undefined => (Object.keys(OFFLINE_BATCHES) as OfflineBatch[]).find((b) => (OFFLINE_BATCHES[b] as readonly string[]).includes(id));

export function buildOfflinePlan(): Plan<OfflineRun> {
  return OFFLINE_STEP_IDS.map((id): Step<OfflineRun> => {
    const base = { id, title: TITLES[id], needed: (r: OfflineRun) => (id === 'preflight' ? true : r.pending(id)) };
    if (id === 'preflight') return { ...base, apply: async (r) => void (await r.assess()) };
    if (id === 'backup-target') {
      return {
        ...base,
        apply: async (r) => {
          const b = await r.io.backupTarget(r.dir);
          r.journal.record('backup-target', 'note', undefined, b);
          r.mem.backup = b;
          r.info(`backed up ${r.req.target} (${b.database}) to ${b.path}`);
        },
      };
    }
    const batch = batchOf(id)!;
    return {
      ...base,
      apply: async (r) => {
        if (id === 'import-acs') {
          if (!r.mem.backup || !existsSync(r.mem.backup.path) || (await sha256File(r.mem.backup.path)) !== r.mem.backup.sha256) {
            throw new RemoteError('refusing to import: no intact backup of the target taken in this run', { hint: 'Run the same command again: it takes the backup first.' });
          }
        }
        if ((id === 'reconnect-target' || id === 'auto-reconnect' || id === 'clear-onboarding-flag') && !r.mem.importDone) {
          throw new RemoteError(`refusing to ${id}: the import is not journaled done`, { hint: 'A target that reconnects before its import completes fails on its next replay; run the same command again to finish the import first.' });
        }
        if (id === 'reconnect-target') r.info(`${r.req.target} reconnects and onboards the party: ACS commitment mismatches in the Canton log until the flag clears are expected (the runbook: they resolve on their own)`);
        try {
          await r.step(id as OfflineConsoleStep, batch);
        } catch (e) {
          if (id === 'import-acs' && /PROTO_DESERIALIZATION_FAILURE/.test(String((e as Error).message))) {
            // Canton read nothing: the target's ACS is unchanged, no restore is needed; the export is redone.
            r.journal.record('import-acs', 'note', undefined, { rejected: true, code: 'PROTO_DESERIALIZATION_FAILURE' });
            throw new RemoteError(`the ACS import on ${r.req.target} failed: the export file ${r.exportFile} is corrupt (PROTO_DESERIALIZATION_FAILURE); nothing was imported and ${r.req.target} stays disconnected`, {
              hint: 'Run `canton-mpc party replicate ... --resume` (or the same command again): it exports again and completes.',
              kind: 'import_rejected',
            });
          }
          throw e;
        }
        if (id === 'export-acs') {
          const note = { path: r.exportFile, sha256: await sha256File(r.exportFile) };
          r.journal.record('export-acs', 'note', undefined, note);
          r.mem.export = note;
        }
        if (id === 'import-acs') r.mem.importDone = true;
        if (id === 'record-target-end') {
          const end = Number(r.result('record-target-end')?.end);
          r.journal.record('record-target-end', 'note', undefined, { end });
          r.mem.targetEnd = end;
        }
      },
    };
  });
}
