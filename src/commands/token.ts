import type { CommandContext } from '../context.js';
import { ExitCode, UserError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { lifetimeMs as parseLifetime } from '../security/spec.js';

/**
 * `canton-mpc token --user U [--participant P] [--lifetime 4m]`: prints a token for a person's curl,
 * only when asked. `--console` instead rewrites the remote console's token file and prints its path.
 */
export async function run(ctx: CommandContext, opts: { user?: string; participant?: string; lifetime?: string; console?: boolean }): Promise<number> {
  const { topology: t } = await loadProject({ cache: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const jwt = t.security.jwt;
  if (!jwt) throw new UserError('this topology runs without JWT auth (security: none): no token is needed', { where: 'security', hint: 'set `security: jwt` (or jwt+tls, jwt+mtls) in canton-mpc.yaml' });
  if (opts.console) {
    const { writeConsoleTokens } = await import('../security/console-tokens.js');
    const path = await writeConsoleTokens(t, ctx.env);
    ctx.output.result(`console tokens written to ${path} (valid ${Math.round(jwt.tokenLifetimeMs / 1000)} s)`, { ok: true, file: path });
    return ExitCode.OK;
  }
  if (!opts.user) throw new UserError('--user is required', { where: '--user', hint: 'e.g. `canton-mpc token --user issuer-user`, or `--console` for the console\'s token file' });
  const known = t.users.find((u) => u.id === opts.user);
  const participant = opts.participant ?? known?.participant ?? (opts.user === 'participant_admin' ? t.participants[0]?.name : undefined);
  if (!participant) throw new UserError(`user ${opts.user} is not in canton-mpc.yaml, so its participant is unknown`, { where: '--participant', hint: `pass --participant (one of ${t.participants.map((p) => p.name).join(', ')})` });
  if (!t.participants.some((p) => p.name === participant)) throw new UserError(`unknown participant ${participant}`, { where: '--participant', hint: `Known: ${t.participants.map((p) => p.name).join(', ')}` });
  const lifetimeMs = opts.lifetime ? parseLifetime(opts.lifetime.trim(), NaN) : jwt.tokenLifetimeMs;
  if (!(lifetimeMs > 0)) throw new UserError(`--lifetime ${opts.lifetime} is not a duration`, { where: '--lifetime', hint: 'e.g. 4m, 90s' });
  const max = jwt.maxTokenLifetimeMs ?? Infinity;
  if (lifetimeMs > max) {
    throw new UserError(`--lifetime ${opts.lifetime} is longer than the participants accept (max-token-lifetime ${Math.round(max / 1000)} s)`, { where: '--lifetime', hint: 'Canton refuses it ("token lifetime too long"); ask for less, or raise auth.maxTokenLifetime' });
  }
  const { loadSigningKey, mintToken } = await import('../security/tokens.js');
  const now = Date.now();
  const token = await mintToken(jwt, await loadSigningKey(jwt, { env: ctx.env, secretsDir: t.security.secretsDir }), { participant, user: opts.user, lifetimeMs }, now);
  const expiresAt = new Date(Math.floor(now / 1000) * 1000 + Math.floor(lifetimeMs / 1000) * 1000).toISOString();
  // The token is the result: printed on stdout unredacted, and only here.
  if (ctx.output.json) process.stdout.write(`${JSON.stringify({ ok: true, token, user: opts.user, participant, expiresAt })}\n`);
  else process.stdout.write(`${token}\n`);
  return ExitCode.OK;
}
