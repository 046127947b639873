import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { isOurProcess, processRef } from '../state/pids.js';
import type { ProcessRef } from '../state/state.js';

/**
 * The one-signer-per-project lock, held by the supervisor itself for its whole lifetime (not a pid
 * file the CLI writes afterwards): a second supervisor for the same state directory fails to take
 * it and exits at once.
 *
 * On Linux it is a listening socket in the abstract namespace, named after the state directory.
 * The kernel owns it: it cannot go stale, vanishes the instant its holder dies (even by SIGKILL),
 * is never inherited by the signer (Node opens sockets close-on-exec), and a `connect` tells
 * anyone whether a supervisor is alive and which pid it has. Elsewhere an O_EXCL file naming the
 * holder by pid and start time stands in (a dead holder's file is taken over).
 */
export const SIGNER_LOCK_CONNECT_TIMEOUT_MS = 500;

export function signerLockName(stateDir: string): string {
  return `\0canton-mpc-signer-${createHash('sha256').update(stateDir).digest('hex').slice(0, 40)}`;
}

function lockFile(stateDir: string): string {
  return join(stateDir, 'signer.lock');
}

export interface HeldLock {
  release(): void;
}

/** Take the lock, or return the pid of the supervisor holding it. */
export async function takeSignerLock(stateDir: string): Promise<{ held: HeldLock } | { holder: number | undefined }> {
  if (process.platform !== 'linux') return takeFileLock(stateDir);
  const server: Server = createServer((sock) => sock.end(`${JSON.stringify({ pid: process.pid })}\n`));
  const taken = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(false) : reject(e)));
    server.listen(signerLockName(stateDir), () => resolve(true));
  });
  if (!taken) return { holder: await signerLockHolder(stateDir) };
  // The lock must not keep the supervisor's event loop alive on its own.
  server.unref();
  return { held: { release: () => server.close() } };
}

/** The pid of the supervisor holding the project's signer lock, or undefined when none does. */
export async function signerLockHolder(stateDir: string): Promise<number | undefined> {
  if (process.platform !== 'linux') {
    const h = readHolder(lockFile(stateDir));
    return h && isOurProcess(h) ? h.pid : undefined;
  }
  return new Promise((resolve) => {
    let text = '';
    const s = connect(signerLockName(stateDir));
    const done = (pid: number | undefined) => {
      s.destroy();
      resolve(pid);
    };
    s.setTimeout(SIGNER_LOCK_CONNECT_TIMEOUT_MS, () => done(undefined));
    s.on('data', (d) => (text += d.toString()));
    s.once('end', () => {
      try {
        done((JSON.parse(text) as { pid: number }).pid);
      } catch {
        done(undefined);
      }
    });
    s.once('error', () => done(undefined));
  });
}

function readHolder(path: string): ProcessRef | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ProcessRef;
  } catch {
    return undefined;
  }
}

function takeFileLock(stateDir: string): { held: HeldLock } | { holder: number | undefined } {
  const path = lockFile(stateDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(processRef(process.pid)));
      closeSync(fd);
      return { held: { release: () => rmSync(path, { force: true }) } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const h = readHolder(path);
      if (h && isOurProcess(h)) return { holder: h.pid };
      rmSync(path, { force: true });
    }
  }
  return { holder: undefined };
}
