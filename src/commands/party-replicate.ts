import type { CommandContext } from '../context.js';
import { loadRunningProject } from '../state/running-project.js';
import { didYouMean } from '../config/suggest.js';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError } from '../errors.js';
import { join } from 'node:path';
import { describePlan } from '../plan/runner.js';
import { readJournal } from '../plan/journal.js';
import { decideWorkflow } from '../party/decide.js';
import { buildOfflinePlan, offlineMemory, OfflineRun, type OfflineIO } from '../party/offline.js';
import type { ReplicateRequest } from '../party/assess.js';
import type { History, Observation } from '../party/types.js';
import { executeOffline, executeReplication } from '../party/execute.js';
import { acquireProjectLock } from '../state/lock.js';
import { createOfflineIO, resolveParty } from '../party/io.js';
import { recoverInterruptedImport } from '../party/restore.js';
import { buildReplicatePlan, ReplicationRun } from '../party/replicate.js';
import { replicationDir } from '../party/runs.js';
import { permissionFromFlag, type Permission } from '../party/types.js';
import { planEvents, withEventStream, type EventSink } from '../ui/events.js';
import { externalRecordCurrent, readExternalRecord, type ExternalPartyRecord } from '../party/external-allocate.js';
import { currentDecentralRecord, decentralDir, decentralParties } from '../party/decentral-registry.js';
import { signerForParty, type SignerFlags } from '../party/external-custody.js';
import type { ExternalSigning } from '../party/external-replicate.js';

/** The external party's signer, or undefined when there is none (the preflight refuses, naming the fix). */
function externalSigningFor(stateDir: string, name: string, rec: ExternalPartyRecord | undefined, f: SignerFlags, ctx: CommandContext, dir: string, logFile?: string): ExternalSigning | undefined {
  try {
    return { signer: signerForParty(stateDir, name, rec, f, ctx.runner, ctx.cwd), dir, ...(logFile ? { logFile } : {}) };
  } catch (e) {
    if ((e as { kind?: string }).kind === 'external_key_needed') return undefined;
    throw e;
  }
}

export interface PartyReplicateOptions {
  to?: string;
  from?: string;
  permission?: string;
  threshold?: string;
  dryRun?: boolean;
  planOnly?: boolean;
  templates?: string;
  /** Also write the NDJSON progress events here (`--json` puts them on stdout). */
  events?: string;
  /** External parties: who signs the party side (src/party/external-custody.ts). */
  key?: string;
  signWithCommand?: string;
  publicKey?: string;
}

function participant(t: Topology, name: string | undefined, flag: string): string {
  if (!name) throw new UserError(`${flag} is required`, { where: flag, hint: `Name the participant, one of: ${t.participants.map((p) => p.name).join(', ')}.` });
  if (!t.participants.some((p) => p.name === name)) {
    const known = t.participants.map((p) => p.name);
    throw new UserError(`unknown participant "${name}"`, { where: flag, hint: [didYouMean(name, known), `known participants: ${known.join(', ')}`].filter(Boolean).join('; ') });
  }
  return name;
}

/** `--json` streams NDJSON progress events on stdout (as `up --json` does); `--events FILE` writes the same stream to a file. */
export async function run(base: CommandContext, opts: PartyReplicateOptions, partyArg: string): Promise<number> {
  return withEventStream(base, opts.events, (ctx, sink) => replicate(ctx, opts, partyArg, sink));
}

async function replicate(ctx: CommandContext, opts: PartyReplicateOptions, partyArg: string, sink: EventSink): Promise<number> {
  if (opts.planOnly) opts = { ...opts, dryRun: true };
  // Read as `up --storage …` did: Workflow 2 needs to know the target keeps its state in Postgres.
  const loaded = await loadRunningProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const topology = loaded.topology;
  let state = loaded.state;
  const out = ctx.output;

  const target = participant(topology, opts.to, '--to');
  // A party from `party allocate-external` is known by its name too.
  // Only if it is current: a memory-storage participant forgot the party when the daemon restarted.
  const recorded = readExternalRecord(topology.stateDir, partyArg.split('::')[0]!);
  const extRec = recorded && externalRecordCurrent(topology, state, recorded) ? recorded : undefined;
  const byName = resolveParty(topology, state, partyArg);
  // And one from `party decentralize` (Workflow 3) by its name; its side is signed by a threshold of owners.
  const dRec = !byName.id && !partyArg.includes('::') ? await currentDecentralRecord(topology, state, decentralDir(topology, partyArg)) : undefined;
  const resolved = !byName.id && extRec && !partyArg.includes('::') ? { name: partyArg, id: extRec.partyId } : dRec ? { name: partyArg, id: dRec.id } : byName;
  if (!resolved.id) {
    const known = topology.parties.map((p) => p.name);
    const decentral = (await decentralParties(topology, state)).map((r) => r.name);
    throw new UserError(`unknown party "${partyArg}"`, { where: 'PARTY', hint: [didYouMean(partyArg, [...known, ...decentral]), `parties in canton-mpc.yaml: ${known.join(', ') || '(none)'}`, ...(decentral.length ? [`decentralized parties: ${decentral.join(', ')}`] : []), 'a full party id (Name::1220…) works too'].filter(Boolean).join('; ') });
  }
  const spec = topology.parties.find((p) => p.name === resolved.name);
  if (!opts.from && !spec && extRec?.partyId === resolved.id) opts = { ...opts, from: extRec.participant };
  // A decentralized party is exported from (and observed through) one of its owners that is not the target.
  if (!opts.from && dRec) opts = { ...opts, from: dRec.owners.find((o) => o !== opts.to) ?? dRec.owners[0] };
  if (!opts.from && !spec) throw new UserError(`--from is required for a party that is not in canton-mpc.yaml`, { where: '--from', hint: 'Name the participant that hosts the party and holds its namespace key.' });
  const source = participant(topology, opts.from ?? spec!.participant, '--from');
  if (source === target) throw new UserError(`--to ${target} is the source participant itself`, { where: '--to', hint: 'Replicate onto another participant.' });

  const configured = spec?.alsoHostedOn?.find((h) => h.participant === target)?.permission;
  let flagged: Permission | undefined;
  if (opts.permission !== undefined) {
    const p = permissionFromFlag(opts.permission);
    if (!p) throw new UserError(`--permission ${opts.permission} is not a participant permission`, { where: '--permission', hint: 'Use submission, confirmation or observation.' });
    flagged = p;
    if (configured && configured !== p.toLowerCase()) {
      throw new UserError(`--permission ${opts.permission} does not match canton-mpc.yaml, which hosts ${resolved.name} on ${target} with ${configured}`, {
        where: '--permission',
        hint: 'Both sides of the hosting must propose the same permission: change alsoHostedOn or drop --permission.',
        exitCode: ExitCode.REFUSED,
        kind: 'permission_mismatch',
      });
    }
  } else if (configured) flagged = permissionFromFlag(configured)!;
  let threshold: number | undefined;
  if (opts.threshold !== undefined) {
    threshold = Number(opts.threshold);
    if (!Number.isInteger(threshold) || threshold < 1) throw new UserError(`--threshold ${opts.threshold} is not a positive whole number`, { where: '--threshold', hint: 'e.g. --threshold 2' });
  }

  const label = resolved.name ?? resolved.id;
  const dir = replicationDir(topology, label, target);
  const journalPath = join(dir, 'journal.ndjson');
  let mem = offlineMemory(await readJournal(journalPath));
  let release = opts.dryRun ? () => undefined : acquireProjectLock(topology.stateDir, 'party replicate');
  try {
    if (!opts.dryRun) {
      // An import cut short is restored from its backup first (restore.ts checks the journal).
      const before = state;
      state = await recoverInterruptedImport(ctx, topology, state, target, dir, { unlock: () => release(), relock: () => (release = acquireProjectLock(topology.stateDir, 'party replicate')) });
      if (state !== before) mem = offlineMemory(await readJournal(journalPath));
    }
    const io = createOfflineIO({ topology, state, runner: ctx.runner, signal: ctx.signal, dir, templatesDir: opts.templates }, target, ctx.env);
    // One observation decides the workflow and serves as its preflight.
    const observation = await io.observe([resolved.id], source);
    const hosts = (observation.parties[resolved.id]?.mapping?.hosts ?? []).map((h) => h.name ?? `(outside this project) ${h.uid}`);
    const history = await io.history(resolved.id, hosts);
    const party = observation.parties[resolved.id];
    const decision = decideWorkflow({ history: history.state, external: party?.external ?? false, decentralized: party?.decentralized ?? false });
    // Already a full host: nothing to replicate, whatever the history says now (W1's preflight reports it).
    const tgtUid = observation.participants[target]?.uid;
    const existing = party?.mapping?.hosts.find((h) => h.uid === tgtUid && !h.onboarding);
    const inProgress = mem.recorded !== undefined && !mem.importDone;
    const offline = inProgress || (decision.workflow === 2 && !existing);
    // A new host of a decentralized party confirms with the others (its confirmation threshold decides), it does not submit alone.
    const permission: Permission = flagged ?? existing?.permission ?? (offline ? 'Observation' : party?.external || party?.decentralized ? 'Confirmation' : 'Submission');
    if (party?.external) io.external = externalSigningFor(topology.stateDir, label, extRec?.partyId === resolved.id ? extRec : undefined, opts, ctx, dir, state?.canton?.logFile);
    const req = { ...(resolved.name ? { partyName: resolved.name } : {}), partyId: resolved.id, source, target, permission, ...(threshold !== undefined ? { threshold } : {}) };
    if (offline && threshold !== undefined) throw new UserError('--threshold is for simple party replication (Workflow 1) only', { where: '--threshold' });
    const pre = { observation, history };
    const workflow = offline ? 2 : 1;
    const heading = `party replicate ${label}: ${source} → ${target} with ${permission} (Workflow ${workflow}: ${offline ? 'offline party replication' : 'simple party replication'})`;

    if (opts.dryRun) {
      const { steps, partySigners } = offline
        ? await dryRunOffline(io, req, dir, pre)
        : await (async () => {
            const r = new ReplicationRun(req, io, pre);
            const a = await r.assess();
            return { steps: a.alreadyDone ? [] : await describePlan(buildReplicatePlan(io.external !== undefined), r), partySigners: a.partySigners };
          })();
      // A decentralized party: who signs its side (a threshold of the owners).
      const signers = partySigners && steps.length > 0 ? [`  party side signed by: ${partySigners.join(', ') || 'nobody more (the owners’ threshold is met)'}`] : [];
      const lines = [`${heading}\n  because ${decision.reason}`, ...(steps.length === 0 ? ['  nothing to do: the target already hosts the party as asked'] : steps.map((s) => `  ${s.pending ? out.style.yellow('pending') : out.style.green('done   ')}  ${s.id.padEnd(26)} ${s.title}`)), ...signers];
      out.result(lines.join('\n'), { ok: true, dryRun: true, party: label, partyId: resolved.id, source, target, permission, workflow, reason: decision.reason, alreadyDone: steps.length === 0, steps, ...(partySigners ? { partySigners } : {}), consoleRuns: io.consoleRuns });
      return ExitCode.OK;
    }

    const started = Date.now();
    const events = planEvents(sink);
    const common = {
      signal: ctx.signal,
      onStep: (s: { id: string; index: number; total: number; title: string }) => {
        out.info(`${out.style.dim(`[${s.index + 1}/${s.total}]`)} ${s.title}`);
        events.onStep(s);
      },
      onOutcome: events.onOutcome,
      pre,
    };
    const kill = killHook(ctx.env);
    const { alreadyDone, outcomes, detail } = offline
      ? await executeOffline(io, req, dir, { ...common, info: (l) => out.info(l), ...(kill ? { afterJournalOffline: kill } : {}) }).then(({ run, outcomes }) => ({ alreadyDone: run.assessment!.alreadyDone, outcomes, detail: run.mem.backup ? ` (target backup: ${run.mem.backup.path})` : '' }))
      : await executeReplication(io, req, dir, { ...common, ...(kill ? { afterJournal: kill } : {}) }).then(({ run, outcomes }) => {
          const eff = run.result('await-effective');
          return { alreadyDone: run.assessment!.alreadyDone, outcomes, detail: eff?.serial !== undefined ? ` (mapping serial ${String(eff.serial)})` : '' };
        });
    const summary = alreadyDone ? `nothing to do: ${target} already hosts ${label} with ${permission}` : `${label} is now hosted on ${target} with ${permission}${detail}`;
    out.info(`done in ${((Date.now() - started) / 1000).toFixed(1)} s, ${io.consoleRuns} console run(s)`);
    out.result(`${heading}\n${summary}`, {
      ok: true, party: label, partyId: resolved.id, source, target, permission, workflow, reason: decision.reason,
      alreadyDone, changed: outcomes.some((o) => o.status === 'done' && o.id !== 'preflight'), steps: outcomes, consoleRuns: io.consoleRuns,
    });
    return ExitCode.OK;
  } finally {
    release();
  }
}

async function dryRunOffline(io: OfflineIO, req: ReplicateRequest, dir: string, pre: { observation: Observation; history: History }) {
  const mem = offlineMemory(await readJournal(join(dir, 'journal.ndjson')));
  const noJournal = { path: '', record() {} };
  const r = new OfflineRun(req, { ...io, checkBackup: undefined }, dir, noJournal, mem, () => undefined, pre);
  const a = await r.assess();
  return { steps: a.alreadyDone ? [] : await describePlan(buildOfflinePlan(), r), partySigners: a.partySigners };
}

/**
 * Test hook: `CANTON_MPC_TEST_KILL_AT=<step>` SIGKILLs the console that is still running and then this
 * process, right after the step's `done` record is on disk: a crash at exactly that step boundary.
 */
export function killHook(env: NodeJS.ProcessEnv): ((r: { consolePid?: number }, step: string) => void) | undefined {
  const at = env.CANTON_MPC_TEST_KILL_AT;
  if (!at) return undefined;
  return (r, step) => {
    if (step !== at) return;
    if (r.consolePid) {
      try {
        process.kill(r.consolePid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    process.kill(process.pid, 'SIGKILL');
  };
}
