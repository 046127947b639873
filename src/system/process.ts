import { openSync, closeSync, fchmodSync } from 'node:fs';
import { RemoteError, PrerequisiteError } from '../errors.js';

/**
 * The one process runner. No shell is ever involved: arguments are passed as a list, so nothing
 * is re-parsed, and secrets travel in `env`, never in `args`.
 */
export interface RunOptions {
  cwd?: string;
  /** Added to (or, with `extendEnv: false`, replacing) the inherited environment. */
  env?: Record<string, string | undefined>;
  extendEnv?: boolean;
  timeoutMs?: number;
  input?: string;
  signal?: AbortSignal;
  /** Streams stdout as it arrives (console scripts report each finished step on a line). */
  onStdout?: (chunk: string) => void;
  /** Called with the child's pid once it runs (a test hook kills it at a step boundary). */
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process was killed by a signal. */
  signal?: string;
}

export interface DetachedOptions {
  cwd?: string;
  /** The child's whole environment: a detached child inherits nothing unless `extendEnv: true`. */
  env?: Record<string, string | undefined>;
  extendEnv?: boolean;
  /** stdout and stderr are appended to this file. */
  logFile: string;
  /**
   * Written to the child's stdin, which is then closed: how secrets reach a long-lived child without
   * sitting in its /proc/<pid>/environ (or argv, or a file).
   */
  input?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

export interface DetachedProcess {
  pid: number;
  /** Settles if the process exits while we are still running (readiness uses it to explain an early exit). */
  exited: Promise<ProcessExit>;
  /** Synchronous view of `exited`: undefined while the process runs. */
  exit(): ProcessExit | undefined;
}

export interface ProcessRunner {
  /** Run to completion; a non-zero exit is returned, not thrown. A missing executable throws. */
  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Start in its own process group, outliving us; its pid is also the group id. */
  spawnDetached(file: string, args: readonly string[], opts: DetachedOptions): Promise<DetachedProcess>;
}

/** How a command line is shown in messages: quoted where needed, never with env values. */
export function formatCommand(file: string, args: readonly string[]): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [file, ...args].map(q).join(' ');
}

export function createProcessRunner(): ProcessRunner {
  return {
    async run(file, args, opts = {}) {
      const { execa } = await import('execa');
      const command = formatCommand(file, args);
      const sub = execa(file, args, {
        cwd: opts.cwd,
        env: opts.env,
        extendEnv: opts.extendEnv ?? true,
        timeout: opts.timeoutMs,
        input: opts.input,
        cancelSignal: opts.signal,
        reject: false,
        stripFinalNewline: false,
      });
      if (opts.onStdout) sub.stdout?.on('data', (c: Buffer) => opts.onStdout!(c.toString('utf8')));
      if (opts.onSpawn && sub.pid !== undefined) opts.onSpawn(sub.pid);
      const r = await sub;
      if (r.code === 'ENOENT' || (r.failed && r.exitCode === undefined && /ENOENT/.test(String(r.message)))) {
        throw new PrerequisiteError(`${file} was not found`, { where: command, hint: `Install ${file} or put it on PATH.` });
      }
      return {
        command,
        exitCode: r.exitCode ?? (r.signal ? 128 : 1),
        stdout: String(r.stdout ?? ''),
        stderr: String(r.stderr ?? ''),
        timedOut: Boolean(r.timedOut),
        signal: r.signal ?? undefined,
      };
    },
    async spawnDetached(file, args, opts) {
      const { spawn } = await import('node:child_process');
      const fd = openSync(opts.logFile, 'a', 0o600);
      // Logs may quote secrets a child prints: owner-only, also when the file predates us.
      fchmodSync(fd, 0o600);
      try {
        const env = opts.extendEnv === true ? { ...process.env, ...opts.env } : { ...opts.env };
        const child = spawn(file, args, { cwd: opts.cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: [opts.input === undefined ? 'ignore' : 'pipe', fd, fd] });
        if (opts.input !== undefined) {
          child.stdin?.on('error', () => undefined);
          child.stdin?.end(opts.input);
        }
        const pid = await new Promise<number>((resolve, reject) => {
          child.once('error', (e: NodeJS.ErrnoException) =>
            reject(
              e.code === 'ENOENT'
                ? new PrerequisiteError(`${file} was not found`, { where: formatCommand(file, args) })
                : new RemoteError(`could not start ${formatCommand(file, args)}: ${e.message}`, { cause: e }),
            ),
          );
          child.once('spawn', () => resolve(child.pid!));
        });
        let exit: ProcessExit | undefined;
        const exited = new Promise<ProcessExit>((resolve) =>
          child.once('exit', (code, signal) => {
            exit = { code, signal };
            resolve(exit);
          }),
        );
        // Neither the handle nor the exit listener may keep this CLI alive after it is done.
        child.unref();
        return { pid, exited, exit: () => exit };
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Is a process (or, with a negative pid, a process group) alive? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
