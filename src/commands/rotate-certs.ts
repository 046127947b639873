import type { CommandContext } from '../context.js';
import { ExitCode, UserError } from '../errors.js';
import { loadProject } from '../config/load.js';

/** Reissues every generated leaf certificate, keeping the CA (so clients keep trusting it). */
export async function run(ctx: CommandContext): Promise<number> {
  const { topology: t } = await loadProject({ cache: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  if (!t.security.tls?.generated) {
    throw new UserError(t.security.tls ? 'the certificates are your own (tls.certChainFile): renew them yourself' : 'this topology runs without TLS: there are no certificates to rotate', {
      where: 'security',
      hint: t.security.tls ? 'replace the files named in canton-mpc.yaml, then restart' : 'set `security: jwt+tls` or `jwt+mtls`',
    });
  }
  const { ensureMaterial } = await import('../security/materials.js');
  const made = await ensureMaterial(t, { renewLeaves: true });
  ctx.output.result(`renewed ${made.length} certificate(s) from the kept CA:\n${made.map((f) => `  ${f}`).join('\n')}\nCanton reads certificates when it starts: run \`canton-mpc down && canton-mpc up\` to use them.`, { ok: true, renewed: made });
  return ExitCode.OK;
}
