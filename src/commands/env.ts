import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { PrerequisiteError, UserError } from '../errors.js';
import { loadProjectFor } from '../doctor/project.js';
import { readState, type State } from '../state/state.js';
import { isOurProcess } from '../state/pids.js';
import { readSupervisorStatus } from '../signer/launch.js';
import { metricsUrl } from '../ci/metrics.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { decentralEnvParties, externalEnvParties } from '../ci/env-parties.js';
import { environmentFor, formatDotenv, formatJson, formatShell, githubFileLines, githubMasks, type EnvVar } from '../ci/env.js';

export const ENV_FORMATS = ['dotenv', 'json', 'github', 'shell'] as const;
type Format = (typeof ENV_FORMATS)[number];

export interface EnvDeps {
  /** user id → Ledger API token, minted as `canton-mpc token` does; none without JWT security. */
  tokens(topology: Topology, state: State, env: NodeJS.ProcessEnv): Promise<Record<string, string>>;
  /** Appends to $GITHUB_ENV / $GITHUB_OUTPUT. */
  append(file: string, text: string): void;
  /** The workflow command channel and --with-tokens output (stdout): written as is, not redacted. */
  write(text: string): void;
}

const defaultDeps: EnvDeps = {
  async tokens(topology, state, env) {
    const jwt = topology.security.jwt;
    if (!jwt) return {};
    const { loadSigningKey, mintToken } = await import('../security/tokens.js');
    const key = await loadSigningKey(jwt, { env, secretsDir: topology.security.secretsDir });
    const out: Record<string, string> = {};
    for (const u of state.users) out[u.id] = await mintToken(jwt, key, { participant: u.participant, user: u.id });
    return out;
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
    caFile: topology.security.tls?.trustCollectionFile,
    tokens: opts.withTokens ? await deps.tokens(topology, state, ctx.env) : undefined,
    metricsUrl: metricsUrl(topology),
    jsonApiUrls: Object.fromEntries(topology.participants.map((p) => [p.name, jsonApiUrl(p)])),
    decentralized: await decentralEnvParties(topology, state),
    external: await externalEnvParties(topology, state),
  });
  if (format === 'github') return github(ctx, vars, deps);
  const text = format === 'shell' ? formatShell(vars) : format === 'dotenv' ? formatDotenv(vars) : JSON.stringify(formatJson(vars), null, 2);
  // Tokens are asked for explicitly: written as they are (the Output would mask them as secrets).
  if (opts.withTokens) deps.write(`${ctx.output.json ? JSON.stringify(formatJson(vars), null, 2) : text}\n`);
  else ctx.output.result(text, formatJson(vars));
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
