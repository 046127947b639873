import type { CommandContext } from '../context.js';
import { loadRunningProject } from '../state/running-project.js';
import { PARTY_NAME_RE } from '../config/validate.js';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError } from '../errors.js';
import { acquireProjectLock } from '../state/lock.js';
import { checkRequest, type DecentralRequest } from '../party/decentral-decide.js';
import { decentralIO, describeDecentral, executeDecentral } from '../party/decentral-execute.js';
import { currentDecentralRecord, decentralDir, type DecentralRecord } from '../party/decentral-registry.js';
import { permissionFromFlag, type Permission } from '../party/types.js';
import { killHook } from './party-replicate.js';
import { recoverInterruptedImport } from '../party/restore.js';
import { replicationDir } from '../party/runs.js';

export interface PartyDecentralizeOptions {
  owners?: string;
  threshold?: string;
  confirmationThreshold?: string;
  partyToKey?: boolean;
  permission?: string;
  add?: string;
  remove?: string;
  dryRun?: boolean;
  templates?: string;
}

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${v} is not a positive whole number`, { where: flag, hint: `e.g. ${flag} 2` });
  return n;
}

/** Flags, canton-mpc.yaml and the earlier run's record → the request (pure but for the errors it throws). */
export function decentralRequest(name: string, o: PartyDecentralizeOptions, t: Topology, rec: DecentralRecord | undefined): DecentralRequest {
  const spec = t.decentralizedParties?.find((p) => p.name === name);
  // A party declared in canton-mpc.yaml takes its defaults from there (the config is what `up` converges to).
  let permission: Permission = (spec?.permission ? permissionFromFlag(spec.permission)! : undefined) ?? rec?.permission ?? 'Confirmation';
  if (o.permission !== undefined) {
    const p = permissionFromFlag(o.permission);
    if (!p) throw new UserError(`--permission ${o.permission} is not a participant permission`, { where: '--permission', hint: 'Use confirmation (the hosts confirm, a threshold of them), observation, or submission with --confirmation-threshold 1.' });
    permission = p;
  }
  const change = o.add !== undefined || o.remove !== undefined;
  let owners = list(o.owners);
  if (change) {
    if (!rec) throw new UserError(`party ${name} has not been decentralized by canton-mpc yet, so there is nothing to --add to or --remove from`, { where: o.add !== undefined ? '--add' : '--remove', hint: `Create it first: canton-mpc party decentralize ${name} --owners p1,p2,p3 --threshold 2` });
    if (owners.length > 0) throw new UserError('--owners cannot be combined with --add or --remove', { where: '--owners', hint: 'Give the full owner list to create the party, or --add/--remove to change it.' });
    const add = list(o.add), remove = list(o.remove);
    const already = add.filter((a) => rec.owners.includes(a));
    if (already.length) throw new UserError(`${already.join(', ')} ${already.length === 1 ? 'is' : 'are'} already an owner of ${name}`, { where: '--add', hint: `owners now: ${rec.owners.join(', ')}` });
    const notOwner = remove.filter((r) => !rec.owners.includes(r));
    if (notOwner.length) throw new UserError(`${notOwner.join(', ')} ${notOwner.length === 1 ? 'is' : 'are'} not an owner of ${name}`, { where: '--remove', hint: `owners now: ${rec.owners.join(', ')}` });
    owners = [...rec.owners.filter((x) => !remove.includes(x)), ...add];
  } else if (owners.length === 0) owners = spec?.owners ?? rec?.owners ?? [];
  if (owners.length === 0) throw new UserError('--owners is required', { where: '--owners', hint: `e.g. canton-mpc party decentralize ${name} --owners participant1,participant2,participant3 --threshold 2` });
  if (!change && rec && !spec && (owners.length !== rec.owners.length || owners.some((x) => !rec.owners.includes(x)))) {
    throw new UserError(`${name} is already owned by ${rec.owners.join(', ')}`, { where: '--owners', hint: 'Change the owners with --add P or --remove P: a change needs a threshold of the current owners.', exitCode: ExitCode.REFUSED });
  }
  const threshold = int(o.threshold, '--threshold') ?? spec?.threshold ?? (change ? Math.min(rec!.threshold, owners.length) : rec?.threshold);
  if (threshold === undefined) throw new UserError('--threshold is required', { where: '--threshold', hint: 'e.g. --threshold 2 for 2 of 3 owners' });
  const req: DecentralRequest = {
    name, owners, previousOwners: rec?.owners ?? [], ...(rec?.namespace ? { namespace: rec.namespace } : {}), threshold,
    confirmationThreshold: int(o.confirmationThreshold, '--confirmation-threshold') ?? spec?.confirmationThreshold ?? (change ? Math.min(rec!.confirmationThreshold, owners.length) : (rec?.confirmationThreshold ?? threshold)),
    permission, partyToKey: o.partyToKey ?? spec?.partyToKey ?? rec?.partyToKey ?? false,
  };
  if (req.permission === 'Submission' && req.confirmationThreshold !== 1) {
    // AdmissibleSynchronizersComputation.scala:190-194: a participant submits only for a party of threshold 1.
    throw new UserError(`--permission submission needs --confirmation-threshold 1 (it is ${req.confirmationThreshold})`, { where: '--permission', hint: 'No participant submits alone for a party whose confirmation threshold is above 1: use --permission confirmation, or --confirmation-threshold 1.' });
  }
  checkRequest(req, t.participants.map((p) => p.name), change ? '--add/--remove' : '--owners');
  // A party declared in canton-mpc.yaml is what `up` converges to: a change made here would be undone by
  // the next `up` (an added owner removed again). The config is where it changes; `up` runs the same plan.
  if (spec) {
    const ownersFlag = change ? (o.add !== undefined ? '--add' : '--remove') : '--owners';
    const differs: Array<[string, string]> = [
      ...(req.owners.length !== spec.owners.length || req.owners.some((x) => !spec.owners.includes(x)) ? [[ownersFlag, `owners ${req.owners.join(', ')} (the config: ${spec.owners.join(', ')})`] as [string, string]] : []),
      ...(req.threshold !== spec.threshold ? [['--threshold', `threshold ${req.threshold} (the config: ${spec.threshold})`] as [string, string]] : []),
      ...(req.confirmationThreshold !== spec.confirmationThreshold ? [['--confirmation-threshold', `confirmation threshold ${req.confirmationThreshold} (the config: ${spec.confirmationThreshold})`] as [string, string]] : []),
      ...(req.permission.toLowerCase() !== spec.permission ? [['--permission', `permission ${req.permission.toLowerCase()} (the config: ${spec.permission})`] as [string, string]] : []),
      ...(req.partyToKey !== spec.partyToKey ? [['--party-to-key', `partyToKey ${req.partyToKey} (the config: ${spec.partyToKey})`] as [string, string]] : []),
    ];
    if (differs.length > 0) {
      throw new UserError(`${name} is declared in canton-mpc.yaml (parties.${name}.decentralized), and this asks for ${differs.map((d) => d[1]).join('; ')}`, {
        where: differs[0]![0], exitCode: ExitCode.REFUSED, kind: 'declared_in_config',
        hint: `Change parties.${name}.decentralized in canton-mpc.yaml instead, then run \`canton-mpc up\`: it makes the change with the same plan (a threshold of the owners signs; an owner added to a party with contracts gets its ACS through Workflow 2). A change made here would be undone by the next \`up\`.`,
      });
    }
  }
  return req;
}

export async function run(ctx: CommandContext, opts: PartyDecentralizeOptions, name: string): Promise<number> {
  const { topology, state } = await loadRunningProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  if (!PARTY_NAME_RE.test(name)) throw new UserError(`"${name}" is not a valid party id hint`, { where: 'NAME', hint: 'start with a letter, then letters, digits, _ or - (at most 185 characters)' });
  if (topology.parties.some((p) => p.name === name)) throw new UserError(`${name} is a party of canton-mpc.yaml with a single owner (${topology.parties.find((p) => p.name === name)!.participant})`, { where: 'NAME', hint: 'A decentralized party gets a new namespace, so it is a new party: pick another name, or declare it with `decentralized:` in canton-mpc.yaml.' });
  const out = ctx.output;
  const dir = decentralDir(topology, name);
  const rec = await currentDecentralRecord(topology, state, dir);
  const req = decentralRequest(name, opts, topology, rec);
  const env = { topology, state, runner: ctx.runner, signal: ctx.signal, dir, templatesDir: opts.templates, processEnv: ctx.env };
  // An owner added to a party with contracts is onboarded by Workflow 2 inside this run; its steps show up as "W2 [i/n]".
  let offlineRuns = 0;
  const kill = killHook(ctx.env);
  const hooks = {
    info: (l: string) => out.info(l),
    onStep: (s: { index: number; total: number; title: string }) => out.info(`${out.style.dim(`W2 [${s.index + 1}/${s.total}]`)} ${s.title}`),
    onConsoleRuns: (n: number) => void (offlineRuns += n),
    ...(kill ? { afterJournalOffline: kill } : {}),
  };
  const heading = `party decentralize ${name}: owners ${req.owners.join(', ')}, namespace threshold ${req.threshold} of ${req.owners.length}, ${req.permission} hosts with confirmation threshold ${req.confirmationThreshold}${req.partyToKey ? ', PartyToKey' : ''}`;

  if (opts.dryRun) {
    const { run, steps, refusal } = await describeDecentral(decentralIO(env, hooks), req);
    const runs = run.runsToApply();
    const observed = run.consoleRuns + offlineRuns;
    const how = run.onboard.length ? ` + ${runs} to apply (Workflow 2 onboards ${run.onboard.join(', ')} with the ACS between the two runs of the topology steps)` : runs ? ' + 1 for all pending steps, addressing every owner' : '; nothing to change';
    const lines = [heading, ...steps.map((s) => `  ${s.pending ? out.style.yellow('pending') : out.style.green('done   ')}  ${s.id.padEnd(16)} ${s.title}`), `  signers: ${run.signers.join(', ')}`, `  console runs: ${observed} (this observation)${how}`, ...(refusal ? [`  ${out.style.red('would stop')}: ${refusal}`] : [])];
    out.result(lines.join('\n'), { ok: true, dryRun: true, party: name, ...req, steps, signers: run.signers, consoleRuns: observed, consoleRunsToApply: runs, ...(run.onboard.length ? { onboard: run.onboard } : {}), ...(refusal ? { refusal } : {}) });
    return ExitCode.OK;
  }

  let release = acquireProjectLock(topology.stateDir, 'party decentralize');
  try {
    // An added owner whose Workflow 2 import was cut short (the daemon died in it): restore its backup first.
    // The IO comes after it: a restore restarts the daemon, and the console coordinates come from the state.
    let current = state;
    for (const target of req.owners.filter((o) => !req.previousOwners.includes(o))) {
      current = await recoverInterruptedImport(ctx, topology, current, target, replicationDir(topology, name, target), { unlock: () => release(), relock: () => (release = acquireProjectLock(topology.stateDir, 'party decentralize')) });
    }
    const io = decentralIO({ ...env, state: current }, hooks);
    const started = Date.now();
    const { run, outcomes } = await executeDecentral(io, req, {
      signal: ctx.signal,
      onStep: (s) => out.info(`${out.style.dim(`[${s.index + 1}/${s.total}]`)} ${s.title}`),
      ...(kill ? { afterJournal: kill } : {}),
      ...(state?.canton?.startedAt ? { daemonStartedAt: state.canton.startedAt } : {}),
    });
    const r = run.record();
    const changed = outcomes.some((o) => o.status === 'done' && o.id !== 'preflight' && o.id !== 'record');
    const consoleRuns = run.consoleRuns + offlineRuns;
    out.info(`done in ${((Date.now() - started) / 1000).toFixed(1)} s, ${consoleRuns} console run(s)`);
    out.result(`${heading}\n${changed ? 'set up' : 'nothing to do: already in place'}: ${r.id}`, { ok: true, party: name, partyId: r.id, namespace: r.namespace, owners: r.owners, threshold: r.threshold, confirmationThreshold: r.confirmationThreshold, permission: r.permission, partyToKey: r.partyToKey, keys: r.keys, changed, steps: outcomes, consoleRuns, ...(run.onboard.length ? { onboarded: run.onboard } : {}) });
    return ExitCode.OK;
  } finally {
    release();
  }
}
