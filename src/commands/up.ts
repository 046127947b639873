import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError, isCantonMpcError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { probeReadyz } from '../ledger/probe.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { buildUpPlan, UP_STEP_IDS } from '../plan/up.js';
import { readState, type State } from '../state/state.js';
import { isOurProcess } from '../state/pids.js';
import { acquireProjectLock } from '../state/lock.js';
import { findProjectProcesses } from '../state/discover.js';
import { isEmbeddedPostgres, loadModules, UpSession, type UpOptions } from '../up/session.js';
import { adoptProcesses, desiredView, driftOf } from '../up/observe.js';
import { DRIFT_FIX } from '../up/drift.js';
import { summarize, formatSummary } from './status.js';
import { parseDuration } from './duration.js';
import { planEvents, withEventStream, type EventSink } from '../ui/events.js';

/** The fast path must answer well inside 0.5 s, so its probes are short. */
const FAST_PATH_PROBE_MS = 250;
/** Same as the readiness probe timeout (canton/readiness.ts), without importing it on the fast path. */
const SUMMARY_PROBE_TIMEOUT_MS = 1_000;

export { parseDuration };

/** A running, healthy topology whose config is exactly what runs: report, change nothing. */
async function fastPathHealthy(t: Topology, state: State, hash: string): Promise<boolean> {
  if (!isOurProcess(state.canton) || !state.canton?.readyAt || state.configHash !== hash) return false;
  if (t.signer && !isOurProcess(state.signer?.supervisor)) return false;
  if (state.postgres?.embedded && !isOurProcess(state.postgres.server)) return false;
  const codes = await Promise.all(t.participants.map((p) => probeReadyz(jsonApiUrl(p), FAST_PATH_PROBE_MS)));
  if (!codes.every((c) => c === 200)) return false;
  if (t.users.some((u) => !state.users.find((s) => s.id === u.id && s.participant === u.participant))) return false;
  // Decentralized parties are not in the rendered files (the hash): a changed owner list is work to do.
  if ((t.decentralizedParties ?? []).length > 0 && !(await (await import('../party/decentral-registry.js')).decentralConverged(t, state))) return false;
  return true;
}

function killHook(env: NodeJS.ProcessEnv): ((step: string) => void) | undefined {
  const at = env.CANTON_MPC_TEST_KILL_AT;
  if (!at) return undefined;
  return (step) => {
    if (step === at) process.kill(process.pid, 'SIGKILL');
  };
}

/** `--json` streams NDJSON progress events on stdout; `--events FILE` writes the same stream to a file. */
export async function run(base: CommandContext, opts: UpOptions & { events?: string }): Promise<number> {
  return withEventStream(base, opts.events, (ctx, sink) => runUp(ctx, opts, sink));
}

async function runUp(ctx: CommandContext, opts: UpOptions, sink: EventSink): Promise<number> {
  const timeoutMs = parseDuration(opts.timeout ?? '5m');
  const out = ctx.output;
  const load = (storageOverride: UpOptions['storage']) => loadProject({ cache: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env, storageOverride });
  let { topology, file } = await load(opts.storage);
  const stored = await readState(topology.stateDir, (m) => out.warn(m));
  // Without --storage, a topology brought up with `--storage X` stays on X while it runs, and when it
  // crashed (state.json still has its daemon: only `down` removes it), so a restart finds its databases.
  if (!opts.storage && stored?.storageOverride && stored.canton) {
    opts = { ...opts, storage: stored.storageOverride };
    ({ topology, file } = await load(opts.storage));
  }
  out.debug(`project: ${file ?? `built-in defaults in ${topology.projectDir}`}`);
  const want = desiredView(topology);
  // What really runs: state.json, plus processes of the project it lost track of (found by marker).
  const adoption = adoptProcesses(stored, findProjectProcesses(topology.stateDir), topology, want.files);
  const prior = adoption.state;
  for (const a of adoption.adopted) out.warn(`found ${a} of this project missing from state.json; it is used, not started again`);

  // Drift is decided before anything is touched: what cannot be applied to a running topology is
  // refused at once, and the running processes are left exactly as they are.
  const drift = driftOf(topology, prior, want);
  if (drift.refused.length > 0) {
    throw new UserError(`the configuration (${file ?? 'built-in defaults'}) differs from the running topology in ways that need a restart:\n${drift.refused.map((d) => `  - ${d}`).join('\n')}`, {
      where: file,
      hint: DRIFT_FIX,
      exitCode: ExitCode.USAGE,
      kind: 'config_drift',
      data: drift as unknown as Record<string, unknown>,
    });
  }
  for (const d of drift.inPlace) out.info(`applying in place: ${d}`);

  if (!opts.dryRun && prior && drift.inPlace.length === 0 && (await fastPathHealthy(topology, prior, want.hash))) {
    // The summary probes users too; anything missing sends us through the plan instead.
    const summary = await summarize(topology, prior, { probeTimeoutMs: FAST_PATH_PROBE_MS });
    if (summary.healthy) {
      out.info('already up: nothing to do');
      out.result(formatSummary(summary, out.style), { ok: true, changed: false, ...summary });
      return ExitCode.OK;
    }
    out.debug(`not healthy (${summary.problems.join('; ')}): running the plan`);
  }

  const M = await loadModules();
  const session = new UpSession(ctx, topology, { ...opts, timeoutMs }, prior, want.hash, want.files, want.applied);
  const plan = buildUpPlan(topology, { embeddedPostgres: isEmbeddedPostgres(topology, ctx.env) });

  if (opts.dryRun) {
    const steps = await M.plan.describePlan(plan, session);
    const human = ['plan for `canton-mpc up`:', ...steps.map((s) => `  ${s.pending ? out.style.yellow('pending') : out.style.green('done   ')}  ${s.id.padEnd(18)} ${s.title}`)].join('\n');
    out.result(human, { ok: true, dryRun: true, steps, drift });
    return ExitCode.OK;
  }

  const release = acquireProjectLock(topology.stateDir, 'up');
  try {
    return await applyPlan(ctx, topology, plan, session, sink);
  } finally {
    release();
  }
}

async function applyPlan(ctx: CommandContext, topology: Topology, plan: ReturnType<typeof buildUpPlan>, session: UpSession, sink: EventSink): Promise<number> {
  const M = await loadModules();
  const out = ctx.output;
  const journalPath = join(topology.stateDir, 'journal.ndjson');
  const previous = M.journal.interruptedRun(await M.journal.readJournal(journalPath, (m) => out.warn(m)));
  if (previous) out.info(`resuming an interrupted run${previous.lastDone ? ` (it had finished: ${previous.lastDone})` : ''}`);
  const journal = await M.journal.openJournal(journalPath, randomBytes(6).toString('hex'));
  journal.record('up', 'started');
  const started = Date.now();
  try {
    const outcomes = await M.plan.runPlan(plan, session, {
      journal,
      signal: ctx.signal,
      afterJournal: killHook(ctx.env),
      onStep: (s) => {
        out.info(`${out.style.dim(`[${s.index + 1}/${s.total}]`)} ${s.title}`);
        planEvents(sink).onStep(s);
      },
      onOutcome: planEvents(sink).onOutcome,
    });
    journal.record('up', 'done');
    const summary = await summarize(topology, session.state, { probeTimeoutMs: SUMMARY_PROBE_TIMEOUT_MS });
    out.info(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    out.result(formatSummary(summary, out.style), { ok: true, changed: outcomes.some((o) => o.status === 'done' && o.id !== 'preflight' && o.id !== 'state'), steps: outcomes, ...summary });
    return summary.healthy ? ExitCode.OK : ExitCode.FAILURE;
  } catch (e) {
    journal.record('up', 'failed', isCantonMpcError(e) || e instanceof Error ? e.message : String(e));
    throw e;
  }
}

export { UP_STEP_IDS };
