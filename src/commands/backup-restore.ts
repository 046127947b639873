import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { loadProject } from '../config/load.js';
import { ExitCode, UserError } from '../errors.js';
import { listBackups } from '../party/backups.js';
import { restoreTargetBackup } from '../party/restore.js';
import { REPLICATION_DIR } from '../party/runs.js';
import { acquireProjectLock } from '../state/lock.js';
import { readState } from '../state/state.js';

export async function run(ctx: CommandContext, _opts: unknown, id: string): Promise<number> {
  const { topology } = await loadProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const all = await listBackups(topology);
  const b = all.find((x) => x.id === id || x.path === id);
  if (!b) throw new UserError(`no backup ${id}`, { where: 'BACKUP', hint: `\`canton-mpc backup list\` shows them${all.length ? `: ${all.map((x) => x.id).join(', ')}` : ''}.` });
  if (b.spent) {
    throw new UserError(`refusing to restore ${b.id}: it was taken before a party replication onto ${b.target} that has since completed`, {
      where: b.path,
      hint: "Restoring a pre-replication backup after completion causes a silent ledger fork: the participant appears to work but its state diverges from the rest of the network (the Party Mobility runbook). Only a backup taken after the replication completed is safe; canton-mpc takes none of those.",
      exitCode: ExitCode.REFUSED,
      kind: 'backup_spent',
    });
  }
  const state = await readState(topology.stateDir);
  let release = acquireProjectLock(topology.stateDir, 'backup restore');
  try {
    await restoreTargetBackup(ctx, topology, state, b.target, join(topology.stateDir, REPLICATION_DIR, b.run), b, { unlock: () => release(), relock: () => (release = acquireProjectLock(topology.stateDir, 'backup restore')) });
  } finally {
    release();
  }
  ctx.output.result(`restored ${b.database} from ${b.id}; run \`canton-mpc party replicate\` again to import once`, { ok: true, restored: b });
  return ExitCode.OK;
}
