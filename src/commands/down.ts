import { createInterface } from 'node:readline/promises';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { ExitCode, UserError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { readState, writeState, type State } from '../state/state.js';
import { CANTON_STOP_GRACE_MS, POSTGRES_STOP_GRACE_MS, SIGNER_STOP_GRACE_MS, removeStateDir, stopProject } from '../state/lifecycle.js';
import { existsSync, promises as fsp } from 'node:fs';
import type { Topology } from '../config/types.js';
import { usesPostgres } from '../config/storage.js';
import { fallbackDataDir } from '../postgres/root.js';
import { acquireProjectLock } from '../state/lock.js';
import { sequentialSteps, withEventStream, type EventSink } from '../ui/events.js';

export interface DownOptions {
  wipe?: boolean;
  /** Also write the NDJSON progress events here (`--json` puts them on stdout). */
  events?: string;
}

async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  if (ctx.yes) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Stop the signer, then Canton, then the embedded Postgres. Idempotent: nothing running is fine. */
export async function run(base: CommandContext, opts: DownOptions): Promise<number> {
  return withEventStream(base, opts.events, (ctx, sink) => runDown(ctx, opts, sink));
}

async function runDown(ctx: CommandContext, opts: DownOptions, sink: EventSink): Promise<number> {
  const { topology, file } = await loadProject({ cache: true, requireProject: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  ctx.output.debug(`project: ${file ?? `built-in defaults in ${topology.projectDir}`}`);
  const stateDir = topology.stateDir;
  const state = await readState(stateDir, (m) => ctx.output.warn(m));
  if (opts.wipe && !(await confirm(ctx, `delete ${stateDir} (state, logs, rendered config and PostgreSQL data)?`))) {
    throw new UserError('down --wipe was not confirmed; nothing was deleted', { hint: 'Pass --yes to skip the question.', exitCode: ExitCode.USAGE, kind: 'not_confirmed' });
  }
  // Never create the state directory just to lock it: with none, there is nothing of ours to race with.
  const release = existsSync(stateDir) ? acquireProjectLock(stateDir, 'down') : () => undefined;
  try {
    return await stopAll(ctx, topology, state, opts, sink);
  } finally {
    if (!opts.wipe) release();
  }
}

async function stopAll(ctx: CommandContext, topology: Topology, state: State | undefined, opts: DownOptions, sink: EventSink): Promise<number> {
  const out = ctx.output;
  const stateDir = topology.stateDir;
  const progress = out.progress('stopping');
  // What state.json records, then anything else carrying the project's markers (state/discover.ts).
  const steps = sequentialSteps(sink, state?.postgres?.embedded ? 3 : 2);
  const { strays, ...report } = await stopProject(stateDir, state, {
    onStep: (w) => {
      progress.update(`stopping ${w}`);
      steps.start(`stop-${w}`, `stop ${w}`);
    },
  });
  steps.end();
  progress.stop();
  if (strays > 0) out.debug(`${strays} process group(s) found by marker`);
  for (const [what, r] of Object.entries(report)) {
    if (r === 'killed') {
      const grace = what === 'signer' ? SIGNER_STOP_GRACE_MS : what === 'canton' ? CANTON_STOP_GRACE_MS : POSTGRES_STOP_GRACE_MS;
      out.warn(`${what} did not stop within ${grace / 1000} s of SIGTERM and was killed (SIGKILL)`);
    }
  }
  if (state && !opts.wipe) {
    // Keep what `up` needs to resume with the same data (party ids on Postgres, users); drop pids.
    delete state.canton;
    delete state.signer;
    delete state.applied;
    if (state.postgres) delete state.postgres.server;
    if (!usesPostgres(topology) && state.storage !== 'postgres') {
      // In-memory ledgers are gone with the daemon: so are their parties and users.
      state.parties = {};
      state.users = [];
    }
    state.updatedAt = new Date().toISOString();
    await writeState(stateDir, state);
    await fsp.rm(join(stateDir, 'journal.ndjson'), { force: true });
  }
  if (opts.wipe) {
    const outside = [state?.postgres?.dataDir, fallbackDataDir(stateDir, ctx.env)].filter((d): d is string => !!d && !d.startsWith(`${stateDir}/`));
    await removeStateDir(stateDir, outside);
  }
  const human = Object.entries(report)
    .map(([k, v]) => `${k.padEnd(9)} ${v === 'not-running' ? 'was not running' : v}`)
    .join('\n');
  out.result(`${human}${opts.wipe ? `\nremoved   ${stateDir}` : ''}`, { ok: true, stopped: report, wiped: Boolean(opts.wipe), stateDir });
  return ExitCode.OK;
}
