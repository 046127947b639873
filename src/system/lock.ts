import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { TimeoutError, UserError, ExitCode } from '../errors.js';

/**
 * A cross-process lock (proper-lockfile: a directory created atomically, its mtime refreshed while
 * held). A holder killed with SIGKILL stops refreshing it, so after LOCK_STALE_MS the next process
 * takes over: an interrupted install never blocks the next one for long.
 */
export const LOCK_STALE_MS = 10_000;
export const LOCK_UPDATE_MS = 2_000;
export const LOCK_POLL_MS = 250;
/** Long enough for another process to download ~291 MB on a slow line. */
export const LOCK_MAX_WAIT_MS = 30 * 60_000;

export interface LockOptions {
  signal?: AbortSignal;
  /** Called once when the lock is busy and we start waiting for it. */
  onWait?: () => void;
  maxWaitMs?: number;
}

/**
 * Run `fn` holding the lock at `path`. `fn` receives a signal that aborts when the lock is
 * compromised (its directory removed or not refreshed in time, e.g. after a laptop sleep): work
 * done under a lock we no longer hold must stop rather than race another process.
 */
export async function withLock<T>(path: string, opts: LockOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const compromised = new AbortController();
  const deadline = Date.now() + (opts.maxWaitMs ?? LOCK_MAX_WAIT_MS);
  let waited = false;
  let release: (() => Promise<void>) | undefined;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new UserError('interrupted', { exitCode: ExitCode.INTERRUPTED });
    try {
      release = await lockfile.lock(path, {
        lockfilePath: path,
        realpath: false,
        stale: LOCK_STALE_MS,
        update: LOCK_UPDATE_MS,
        onCompromised: (err) => compromised.abort(new UserError(`lost the lock ${path}: ${err.message}`, { where: path, hint: 'Another canton-mpc process took over; run the command again.' })),
      });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (!waited) {
        waited = true;
        opts.onWait?.();
      }
      if (Date.now() > deadline) {
        throw new TimeoutError(`another process held the lock ${path} for too long`, {
          where: path,
          hint: 'Wait for the other canton-mpc command to finish, or stop it.',
        });
      }
      await sleep(LOCK_POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  }
  const signal = opts.signal ? AbortSignal.any([opts.signal, compromised.signal]) : compromised.signal;
  try {
    return await fn(signal);
  } finally {
    // Releasing a compromised lock fails; the lock is not ours any more then, so there is nothing to undo.
    await release().catch(() => undefined);
  }
}
