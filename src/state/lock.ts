import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import { isOurProcess, processRef } from './pids.js';
import type { ProcessRef } from './state.js';

/**
 * One `up`/`down` at a time per project. The lock file names its holder by pid and start time, so a
 * holder killed with SIGKILL is recognised as gone at once (no stale timeout to wait out), which is
 * what lets an interrupted `up` be re-run immediately.
 */
export function acquireProjectLock(stateDir: string, command: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ ...processRef(process.pid), command }));
      closeSync(fd);
      return () => {
        try {
          const held = JSON.parse(readFileSync(path, 'utf8')) as ProcessRef;
          if (held.pid === process.pid) rmSync(path, { force: true });
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: (ProcessRef & { command?: string }) | undefined;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as ProcessRef & { command?: string };
      } catch {
        holder = undefined;
      }
      if (holder && isOurProcess(holder)) {
        throw new UserError(`another canton-mpc ${holder.command ?? 'command'} (pid ${holder.pid}) is working on this project`, {
          where: path,
          hint: 'Wait for it to finish, or stop it; a killed one releases the lock by itself.',
          exitCode: ExitCode.USAGE,
          kind: 'project_locked',
        });
      }
      // The holder is gone (or the file is torn): take over.
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`could not take the project lock ${path}`, { where: path, kind: 'project_locked' });
}
