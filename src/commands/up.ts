import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError, isCantonMpcError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { renderProject } from '../render/index.js';
import { probeReadyz } from '../ledger/probe.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { buildUpPlan, UP_STEP_IDS } from '../plan/up.js';
import { readState, type State } from '../state/state.js';
import { isOurProcess } from '../state/pids.js';
import { acquireProjectLock } from '../state/lock.js';
import { isEmbeddedPostgres, loadModules, renderedHash, UpSession, type UpOptions } from '../up/session.js';
import { summarize, formatSummary } from './status.js';
import { planEvents, withEventStream, type EventSink } from '../ui/events.js';

/** The fast path must answer well inside 0.5 s, so its probes are short. */
const FAST_PATH_PROBE_MS = 250;
/** Same as the readiness probe timeout (canton/readiness.ts), without importing it on the fast path. */
const SUMMARY_PROBE_TIMEOUT_MS = 1_000;

export function parseDuration(text: string, flag = '--timeout'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`${flag} ${text} is not a duration`, { where: flag, hint: 'Use e.g. 90s, 5m or 1500ms.' });
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}

/** A running, healthy topology with the same rendered config: report, change nothing. */
async function fastPath(t: Topology, state: State, hash: string): Promise<'healthy' | 'changed' | undefined> {
  if (!isOurProcess(state.canton) || !state.canton?.readyAt) return undefined;
  if (t.signer && !isOurProcess(state.signer?.supervisor)) return undefined;
  if (state.postgres?.embedded && !isOurProcess(state.postgres.server)) return undefined;
  const codes = await Promise.all(t.participants.map((p) => probeReadyz(jsonApiUrl(p), FAST_PATH_PROBE_MS)));
  if (!codes.every((c) => c === 200)) return undefined;
  if (t.users.some((u) => !state.users.find((s) => s.id === u.id && s.participant === u.participant))) return undefined;
  return state.configHash === hash ? 'healthy' : 'changed';
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
  const { topology, file } = await loadProject({ cache: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env, storageOverride: opts.storage });
  const files = renderProject(topology);
  const hash = renderedHash(files);
  const prior = await readState(topology.stateDir);
  const out = ctx.output;

  if (!opts.dryRun && prior) {
    const fp = await fastPath(topology, prior, hash);
    if (fp === 'changed') {
      throw new UserError(`the configuration changed since this topology was started (${file ?? 'built-in defaults'})`, {
        where: file,
        hint: 'Run `canton-mpc down` and then `canton-mpc up` to apply it (add --wipe to start from empty ledgers).',
        exitCode: ExitCode.USAGE,
        kind: 'config_changed',
      });
    }
    if (fp === 'healthy') {
      // The summary probes users too; anything missing sends us through the plan instead.
      const summary = await summarize(topology, prior, { probeTimeoutMs: FAST_PATH_PROBE_MS });
      if (summary.healthy) {
        out.info('already up: nothing to do');
        out.result(formatSummary(summary, out.style), { ok: true, changed: false, ...summary });
        return ExitCode.OK;
      }
      out.debug(`not healthy (${summary.problems.join('; ')}): running the plan`);
    }
  }

  const M = await loadModules();
  const session = new UpSession(ctx, topology, { ...opts, timeoutMs }, prior, hash, files);
  const plan = buildUpPlan(topology, { embeddedPostgres: isEmbeddedPostgres(topology, ctx.env) });

  if (opts.dryRun) {
    const steps = await M.plan.describePlan(plan, session);
    const human = ['plan for `canton-mpc up`:', ...steps.map((s) => `  ${s.pending ? out.style.yellow('pending') : out.style.green('done   ')}  ${s.id.padEnd(18)} ${s.title}`)].join('\n');
    out.result(human, { ok: true, dryRun: true, steps });
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
  const previous = M.journal.interruptedRun(await M.journal.readJournal(journalPath));
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
