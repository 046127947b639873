import type { CommandContext } from '../context.js';
import { loadProject } from '../config/load.js';
import { ExitCode } from '../errors.js';
import { listBackups } from '../party/backups.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { topology } = await loadProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const rows = await listBackups(topology);
  const s = ctx.output.style;
  const human = rows.length === 0
    ? 'no backups (canton-mpc takes one of the target before each ACS import)'
    : rows.map((b) => `${b.id}  ${b.database} (${b.target})  ${b.at}  ${b.spent ? s.red('spent: its replication completed, never restore it') : b.importInterrupted ? s.yellow('import interrupted: restorable') : 'restorable'}${b.exists ? '' : s.red('  (file missing)')}`).join('\n');
  ctx.output.result(human, { ok: true, backups: rows });
  return ExitCode.OK;
}
