import { promises as fsp, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { PrerequisiteError } from '../errors.js';
import { formatCommand, type ProcessExit, type ProcessRunner } from '../system/process.js';
import type { Topology } from '../config/types.js';
import { cantonJavaOpts } from '../jdk/options.js';

const MB = 1024 * 1024;
/** Canton's own JVM baseline, plus what each node adds; capped so a laptop keeps room for Postgres. */
const HEAP_BASE_MB = 1024;
const HEAP_PER_NODE_MB = 512;
const HEAP_CAP_MB = 8192;

/** `-Xmx` for the daemon: `canton.jvmHeap` when configured, else sized from the node count. */
export function daemonHeap(topology: Pick<Topology, 'canton' | 'sequencers' | 'mediators' | 'participants'>, totalBytes = totalmem()): string {
  if (topology.canton.jvmHeap) return topology.canton.jvmHeap;
  const nodes = topology.sequencers.length + topology.mediators.length + topology.participants.length;
  const wanted = HEAP_BASE_MB + HEAP_PER_NODE_MB * nodes;
  const cap = Math.min(HEAP_CAP_MB, Math.max(512, Math.floor((totalBytes / MB) * 0.5)));
  return `${Math.min(wanted, cap)}m`;
}

export function daemonArgs(configDir: string, logFile: string): string[] {
  return ['daemon', '-c', join(configDir, 'canton.conf'), '--bootstrap', join(configDir, 'bootstrap.canton'), '--no-tty', '--log-file-name', logFile];
}

/** What Canton's exit codes mean (ServerRunner / CantonAppDriver). */
export function exitMeaning(code: number | null, signal?: string | null): string {
  if (signal) return `killed by ${signal}`;
  switch (code) {
    case 0:
      return 'exit 0: the daemon stopped on its own';
    case 1:
      return 'exit 1: startup or configuration failed';
    case 2:
      return 'exit 2: unexpected error inside Canton';
    case 3:
      return 'exit 3: the bootstrap script failed';
    case 255:
      return 'exit 255: the logging configuration failed';
    default:
      return `exit ${String(code)}`;
  }
}

export type DaemonExit = ProcessExit;

export interface StartedDaemon {
  pid: number;
  /** Resolves if the daemon exits while this process is still running (readiness watches it). */
  exited: Promise<DaemonExit>;
  /** Synchronous view of `exited`. */
  exit(): DaemonExit | undefined;
  command: string;
}

export interface StartDaemonOptions {
  cantonHome: string;
  configDir: string;
  logFile: string;
  /** stdout/stderr of the daemon (the bootstrap's println output lands here). */
  stdoutFile: string;
  javaHome: string;
  heap: string;
  /** Extra environment (POSTGRES_*): passed in env, never in argv. */
  env: Record<string, string>;
  cwd: string;
  runner: ProcessRunner;
}

/**
 * Start `bin/canton daemon` in its own process group so it outlives `up`; the handle's exit code lets
 * readiness explain an early exit (1 startup, 2 unexpected, 3 bootstrap).
 */
export async function startDaemon(o: StartDaemonOptions): Promise<StartedDaemon> {
  const file = join(o.cantonHome, 'bin', 'canton');
  const args = daemonArgs(o.configDir, o.logFile);
  try {
    statSync(file);
  } catch {
    throw new PrerequisiteError(`${file} is missing`, { where: o.cantonHome, hint: 'Reinstall the release: `canton-mpc canton install --force`.' });
  }
  const env = { ...o.env, JAVA_HOME: o.javaHome, JAVA_OPTS: cantonJavaOpts(o.heap, { ...process.env, ...o.env }), PATH: `${join(o.javaHome, 'bin')}:${process.env.PATH ?? ''}` };
  const child = await o.runner.spawnDetached(file, args, { cwd: o.cwd, env, logFile: o.stdoutFile });
  return { ...child, command: formatCommand(file, args) };
}


/** The last `lines` lines of a file (read from the end, so large logs cost little). */
export async function tailFile(path: string, lines: number, maxBytes = 256 * 1024): Promise<string[]> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const all = buf.toString('utf8').split('\n');
    if (all[all.length - 1] === '') all.pop();
    if (start > 0) all.shift();
    return all.slice(-lines);
  } finally {
    await fh.close();
  }
}

export async function readFrom(path: string, offset: number): Promise<string> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = (await fh.stat()).size;
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    await fh.read(buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}
