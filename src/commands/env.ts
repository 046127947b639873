import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { PrerequisiteError, UserError } from '../errors.js';
import { loadProjectFor } from '../doctor/project.js';
import { readState, type State } from '../state/state.js';
import { isOurProcess } from '../state/pids.js';
import { readSupervisorStatus } from '../signer/launch.js';
import { environmentFor, formatDotenv, formatJson, formatShell, githubFileLines, githubMasks, type EnvVar } from '../ci/env.js';

export const ENV_FORMATS = ['dotenv', 'json', 'github', 'shell'] as const;
type Format = (typeof ENV_FORMATS)[number];

export interface EnvDeps {
  /** user id → Ledger API token. Minting is the auth module's job; without `auth` there are none. */
  tokens(topology: Topology, state: State): Promise<Record<string, string>>;
  /** Appends to $GITHUB_ENV / $GITHUB_OUTPUT. */
  append(file: string, text: string): void;
  /** The workflow command channel (stdout): `::add-mask::` must reach the runner unredacted. */
  write(text: string): void;
}

const defaultDeps: EnvDeps = {
  async tokens(topology) {
    if (!topology.auth) return {};
    throw new PrerequisiteError(`--with-tokens: minting Ledger API tokens for auth type ${topology.auth.type} is not available in this build`, {
      where: '--with-tokens',
      hint: 'Drop --with-tokens and give your tests their tokens the way your auth setup issues them.',
      kind: 'tokens_unavailable',
    });
  },
  append: (file, text) => appendFileSync(file, text),
  write: (text) => void process.stdout.write(text),
};

export async function run(ctx: CommandContext, opts: { format?: string; withTokens?: boolean }, deps: EnvDeps = defaultDeps): Promise<number> {
  const format = (opts.format ?? (ctx.output.json ? 'json' : 'dotenv')) as Format;
  if (!ENV_FORMATS.includes(format)) {
    throw new UserError(`--format ${format} is not a format`, { where: '--format', hint: `Use one of: ${ENV_FORMATS.join(', ')}.` });
  }
  const { topology } = await loadProjectFor(ctx);
  const state = await readState(topology.stateDir);
  if (!state || !state.canton) {
    throw new PrerequisiteError(`nothing is up in ${topology.stateDir}: there are no endpoints to export`, {
      where: `${topology.stateDir}/state.json`,
      hint: 'Run `canton-mpc up` first.',
      kind: 'not_up',
    });
  }
  const sup = state.signer ? await readSupervisorStatus(state.signer.statusFile) : undefined;
  const vars = environmentFor({
    state,
    stateDir: topology.stateDir,
    synchronizer: topology.synchronizer.name,
    signer: state.signer ? { running: isOurProcess(state.signer.supervisor), state: sup?.state, pid: state.signer.supervisor.pid, restarts: sup?.restarts ?? 0 } : undefined,
    caFile: topology.tls?.trustCollectionFile,
    tokens: opts.withTokens ? await deps.tokens(topology, state) : undefined,
  });
  if (format === 'github') return github(ctx, vars, deps);
  const text = format === 'shell' ? formatShell(vars) : format === 'dotenv' ? formatDotenv(vars) : JSON.stringify(formatJson(vars), null, 2);
  // The values are the result itself: written as they are (with --json or --format json, one object).
  ctx.output.result(text, formatJson(vars));
  return 0;
}

function github(ctx: CommandContext, vars: EnvVar[], deps: EnvDeps): number {
  // Masks first, before any value can appear in the log.
  for (const m of githubMasks(vars)) deps.write(`${m}\n`);
  const delimiter = `CANTON_MPC_${randomBytes(8).toString('hex')}`;
  const lines = `${githubFileLines(vars, delimiter)}\n`;
  const targets = [ctx.env.GITHUB_ENV, ctx.env.GITHUB_OUTPUT].filter((f): f is string => Boolean(f));
  for (const file of targets) deps.append(file, lines);
  if (targets.length) ctx.output.info(`wrote ${vars.length} variables to ${targets.join(' and ')}`);
  else deps.write(`${githubFileLines(vars.filter((v) => !v.secret), delimiter)}\n`);
  return 0;
}
