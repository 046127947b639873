import type { CommandContext } from '../context.js';
import { loadProject } from '../config/load.js';
import { didYouMean } from '../config/suggest.js';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError } from '../errors.js';
import { describePlan } from '../plan/runner.js';
import { executeReplication } from '../party/execute.js';
import { acquireProjectLock } from '../state/lock.js';
import { readState } from '../state/state.js';
import { createPartyIO, resolveParty } from '../party/io.js';
import { buildReplicatePlan, ReplicationRun } from '../party/replicate.js';
import { replicationDir } from '../party/runs.js';
import { permissionFromFlag, type Permission } from '../party/types.js';

export interface PartyReplicateOptions {
  to?: string;
  from?: string;
  permission?: string;
  threshold?: string;
  dryRun?: boolean;
  templates?: string;
}

function participant(t: Topology, name: string | undefined, flag: string): string {
  if (!name) throw new UserError(`${flag} is required`, { where: flag, hint: `Name the participant, one of: ${t.participants.map((p) => p.name).join(', ')}.` });
  if (!t.participants.some((p) => p.name === name)) {
    const known = t.participants.map((p) => p.name);
    throw new UserError(`unknown participant "${name}"`, { where: flag, hint: [didYouMean(name, known), `known participants: ${known.join(', ')}`].filter(Boolean).join('; ') });
  }
  return name;
}

export async function run(ctx: CommandContext, opts: PartyReplicateOptions, partyArg: string): Promise<number> {
  const { topology } = await loadProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const state = await readState(topology.stateDir);
  const out = ctx.output;

  const target = participant(topology, opts.to, '--to');
  const resolved = resolveParty(topology, state, partyArg);
  if (!resolved.id) {
    const known = topology.parties.map((p) => p.name);
    throw new UserError(`unknown party "${partyArg}"`, { where: 'PARTY', hint: [didYouMean(partyArg, known), `parties in canton-mpc.yaml: ${known.join(', ') || '(none)'}; a full party id (Name::1220…) works too`].filter(Boolean).join('; ') });
  }
  const spec = topology.parties.find((p) => p.name === resolved.name);
  if (!opts.from && !spec) throw new UserError(`--from is required for a party that is not in canton-mpc.yaml`, { where: '--from', hint: 'Name the participant that hosts the party and holds its namespace key.' });
  const source = participant(topology, opts.from ?? spec!.participant, '--from');
  if (source === target) throw new UserError(`--to ${target} is the source participant itself`, { where: '--to', hint: 'Replicate onto another participant.' });

  const configured = spec?.alsoHostedOn?.find((h) => h.participant === target)?.permission;
  let permission: Permission = 'Submission';
  if (opts.permission !== undefined) {
    const p = permissionFromFlag(opts.permission);
    if (!p) throw new UserError(`--permission ${opts.permission} is not a participant permission`, { where: '--permission', hint: 'Use submission, confirmation or observation.' });
    permission = p;
    if (configured && configured !== p.toLowerCase()) {
      throw new UserError(`--permission ${opts.permission} does not match canton-mpc.yaml, which hosts ${resolved.name} on ${target} with ${configured}`, {
        where: '--permission',
        hint: 'Both sides of the hosting must propose the same permission: change alsoHostedOn or drop --permission.',
        exitCode: ExitCode.REFUSED,
        kind: 'permission_mismatch',
      });
    }
  } else if (configured) permission = permissionFromFlag(configured)!;
  let threshold: number | undefined;
  if (opts.threshold !== undefined) {
    threshold = Number(opts.threshold);
    if (!Number.isInteger(threshold) || threshold < 1) throw new UserError(`--threshold ${opts.threshold} is not a positive whole number`, { where: '--threshold', hint: 'e.g. --threshold 2' });
  }

  const label = resolved.name ?? resolved.id;
  const dir = replicationDir(topology, label, target);
  const io = createPartyIO({ topology, state, runner: ctx.runner, signal: ctx.signal, dir, templatesDir: opts.templates });
  const r = new ReplicationRun({ ...(resolved.name ? { partyName: resolved.name } : {}), partyId: resolved.id, source, target, permission, ...(threshold !== undefined ? { threshold } : {}) }, io);
  const plan = buildReplicatePlan();
  const heading = `party replicate ${label}: ${source} → ${target} with ${permission}`;

  if (opts.dryRun) {
    const a = await r.assess();
    const steps = await describePlan(plan, r);
    const lines = [
      `${heading} (Workflow ${a.decision.workflow}: ${a.decision.reason})`,
      ...(a.alreadyDone ? ['  nothing to do: the target already hosts the party as asked'] : steps.map((s) => `  ${s.pending ? out.style.yellow('pending') : out.style.green('done   ')}  ${s.id.padEnd(26)} ${s.title}`)),
    ];
    out.result(lines.join('\n'), { ok: true, dryRun: true, party: label, partyId: resolved.id, source, target, permission, workflow: a.decision.workflow, reason: a.decision.reason, alreadyDone: a.alreadyDone, steps, consoleRuns: io.consoleRuns });
    return ExitCode.OK;
  }

  const release = acquireProjectLock(topology.stateDir, 'party replicate');
  try {
    const started = Date.now();
    const { run: done, outcomes } = await executeReplication(io, r.req, dir, {
      signal: ctx.signal,
      afterJournal: killHook(ctx.env),
      onStep: (s) => out.info(`${out.style.dim(`[${s.index + 1}/${s.total}]`)} ${s.title}`),
    });
    const a = done.assessment!;
    const effective = done.result('await-effective');
    const summary = a.alreadyDone
      ? `nothing to do: ${target} already hosts ${label} with ${permission}`
      : `${label} is now hosted on ${target} with ${permission}${effective?.serial !== undefined ? ` (mapping serial ${String(effective.serial)})` : ''}`;
    out.info(`done in ${((Date.now() - started) / 1000).toFixed(1)} s, ${io.consoleRuns} console run(s)`);
    out.result(`${heading}\n${summary}`, {
      ok: true, party: label, partyId: resolved.id, source, target, permission, workflow: a.decision.workflow, reason: a.decision.reason,
      alreadyDone: a.alreadyDone, changed: outcomes.some((o) => o.status === 'done' && o.id !== 'preflight'), steps: outcomes, consoleRuns: io.consoleRuns,
    });
    return ExitCode.OK;
  } finally {
    release();
  }
}

/**
 * Test hook: `CANTON_MPC_TEST_KILL_AT=<step>` SIGKILLs the console that is still running and then this
 * process, right after the step's `done` record is on disk: a crash at exactly that step boundary.
 */
function killHook(env: NodeJS.ProcessEnv): ((r: ReplicationRun, step: string) => void) | undefined {
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
