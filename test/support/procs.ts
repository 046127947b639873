// Independent views of what a project left running, read straight from /proc (not through the
// product's own discovery), for the safety tests: signers by their script name and working
// directory, supervisors and daemons by the paths on their command lines.
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { allCmdlines } from './cli.js';

function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Live signer processes of a project: `node <script>` running in the project directory. */
export function signerPids(dir: string, script = 'signer.mjs'): number[] {
  return [...allCmdlines()].filter(([pid, cmd]) => cmd.split(' ').includes(script) && cwdOf(pid) === dir && !cmd.includes('supervisor.js')).map(([pid]) => pid);
}

export function supervisorPids(stateDir: string): number[] {
  const spec = join(stateDir, 'signer-spec.json');
  return [...allCmdlines()].filter(([, cmd]) => cmd.split(' ').includes(spec)).map(([pid]) => pid);
}

function pgidOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/**
 * The Canton daemon(s) of a project: leaders of process groups started with its canton.conf. (The
 * launcher script's `$(…)` subshells carry the same command line for a moment; they are not daemons.)
 */
export function daemonPids(stateDir: string): number[] {
  const conf = join(stateDir, 'config', 'canton.conf');
  return [...allCmdlines()].filter(([pid, cmd]) => cmd.split(' ').includes(conf) && pgidOf(pid) === pid).map(([pid]) => pid);
}

/** The environment of a process as the kernel shows it to anyone allowed to read it. */
export function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export async function waitFor(cond: () => boolean, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return cond();
}
