import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CommandContext } from '../context.js';
import { cantonVersionDir, lockPath } from '../canton/cache.js';
import { validateVersion } from '../canton/releases.js';
import { withLock } from '../system/lock.js';
import { processesUsing } from '../state/discover.js';

/** Idempotent: removing a version that is not installed succeeds and says so. */
export async function run(ctx: CommandContext, _opts: unknown, version: string): Promise<number> {
  const v = validateVersion(version);
  const dir = cantonVersionDir(v, ctx.env);
  // Removing the files under a running daemon is allowed, but never silently.
  for (const u of processesUsing(dir)) ctx.output.warn(`Canton ${v} is in use by pid ${u.pid} (${u.command}); it keeps running on deleted files until stopped (\`canton-mpc down\`), and the next \`up\` installs the release again`);
  const removed = await withLock(lockPath(v, ctx.env), { signal: ctx.signal }, async () => {
    try {
      await fsp.access(dir);
    } catch {
      return false;
    }
    // Rename first so a reader never sees a half-deleted release.
    const doomed = join(dirname(dir), `.old-${v}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await fsp.rename(dir, doomed);
    await fsp.rm(doomed, { recursive: true, force: true });
    return true;
  });
  ctx.output.result(removed ? `Removed Canton ${v} (${dir})` : `Canton ${v} is not installed; nothing to remove`, { version: v, removed, home: dir });
  return 0;
}
