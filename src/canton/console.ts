/**
 * The one console-script runner: every runbook step that needs the Canton console goes through here.
 * A script (rendered from templates/ by its caller) is written under the state directory and run as
 * `bin/canton run SCRIPT -c remote.conf` against the running daemon. The script prints one
 * `CANTON_MPC_STEP <id> <json>` line per finished step; those lines are streamed to the caller as they
 * arrive, so a run cut in the middle still says exactly how far it got. A failed run becomes a
 * RemoteError carrying Canton's error code, decoded into a fix where the caller knows one.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteError, type ErrorDetails } from '../errors.js';
import { writeFileAtomic } from '../system/fs.js';
import { formatCommand, type ProcessRunner } from '../system/process.js';

export const STEP_LINE_PREFIX = 'CANTON_MPC_STEP ';
/** A console is a client: a modest heap keeps the daemon and Postgres their memory. */
export const CONSOLE_HEAP = '1g';
/** A console run that takes longer than this is stuck (scripts bound their own waits well below it). */
export const CONSOLE_RUN_TIMEOUT_MS = 10 * 60_000;

export interface ConsoleStep {
  id: string;
  data: Record<string, unknown>;
}

export interface ConsoleTarget {
  cantonHome: string;
  javaHome: string;
  /** `.canton-mpc/config/remote.conf`, rendered by `up`. */
  remoteConf: string;
  /** Where scripts are written and the console runs (its log goes to `<dir>/console.log`). */
  dir: string;
  runner: ProcessRunner;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
  /**
   * Called before every console start. On a secured topology it rewrites the 0600 token file
   * remote.conf includes (security/console-tokens.ts): tokens live minutes, a run can come long after `up`.
   */
  beforeRun?: () => Promise<unknown>;
}

export interface ConsoleRunOptions {
  /** File name of the script under `target.dir`, e.g. `party-replicate.canton`. */
  name: string;
  script: string;
  /** Called for each step line as soon as it is printed. */
  onStep?: (step: ConsoleStep) => void;
  /** The console's pid, once it runs. */
  onSpawn?: (pid: number) => void;
  /** A fix for a Canton error code the caller understands (shown as the error's hint). */
  decode?: (e: CantonErrorLine) => string | undefined;
  timeoutMs?: number;
}

export interface ConsoleRunResult {
  steps: ConsoleStep[];
  stdout: string;
  command: string;
}

export interface CantonErrorLine {
  code: string;
  cause: string;
}

/** One step line (`CANTON_MPC_STEP <id> <json>`), or undefined for any other line. */
export function parseStepLine(line: string): ConsoleStep | undefined {
  const at = line.indexOf(STEP_LINE_PREFIX);
  if (at === -1) return undefined;
  const m = /^([a-z][a-z0-9-]*)(?:\s+(.*))?$/.exec(line.slice(at + STEP_LINE_PREFIX.length).trim());
  if (!m) return undefined;
  if (m[2] === undefined || m[2] === '') return { id: m[1]!, data: {} };
  try {
    const data = JSON.parse(m[2]) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? { id: m[1]!, data: data as Record<string, unknown> } : undefined;
  } catch {
    return undefined;
  }
}

/** Every step line in a text, in order. */
export function parseStepLines(text: string): ConsoleStep[] {
  return text.split(/\r?\n/).map(parseStepLine).filter((s): s is ConsoleStep => s !== undefined);
}

/**
 * Canton reports a failed command as `CODE(category,correlation): cause`, e.g.
 * `TOPOLOGY_MAPPING_ALREADY_EXISTS(10,3f2a…): A matching topology mapping …`. The first one wins.
 */
export function cantonErrorLine(text: string): CantonErrorLine | undefined {
  const m = /\b([A-Z][A-Z0-9_]{2,})\(\d+,[0-9a-f]+\):\s*([^\n]*)/.exec(text);
  return m ? { code: m[1]!, cause: m[2]!.trim() } : undefined;
}

/** Incremental line splitter for streamed stdout. */
function lineStream(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) !== -1) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    },
    end() {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}

export async function runConsoleScript(target: ConsoleTarget, o: ConsoleRunOptions): Promise<ConsoleRunResult> {
  await target.beforeRun?.();
  mkdirSync(target.dir, { recursive: true });
  const path = join(target.dir, o.name);
  await writeFileAtomic(path, o.script, 0o600);
  const file = join(target.cantonHome, 'bin', 'canton');
  const args = ['run', path, '-c', target.remoteConf, '--no-tty', '--log-file-name', join(target.dir, 'console.log')];
  const command = formatCommand(file, args);
  const steps: ConsoleStep[] = [];
  const seen = new Set<string>();
  const lines = lineStream((line) => {
    const s = parseStepLine(line);
    if (!s) return;
    steps.push(s);
    seen.add(s.id);
    o.onStep?.(s);
  });
  const env = {
    ...target.env,
    JAVA_HOME: target.javaHome,
    JAVA_OPTS: `-Xmx${CONSOLE_HEAP}`,
    PATH: `${join(target.javaHome, 'bin')}:${process.env.PATH ?? ''}`,
  };
  const r = await target.runner.run(file, args, {
    cwd: target.dir,
    env,
    timeoutMs: o.timeoutMs ?? CONSOLE_RUN_TIMEOUT_MS,
    signal: target.signal,
    onStdout: (c) => lines.push(c),
    onSpawn: o.onSpawn,
  });
  lines.end();
  // A runner that does not stream (a test fake) still yields the steps from its stdout.
  if (steps.length === 0) for (const s of parseStepLines(r.stdout)) if (!seen.has(s.id)) (steps.push(s), o.onStep?.(s));
  if (r.exitCode === 0) return { steps, stdout: r.stdout, command };

  const output = `${r.stderr}\n${r.stdout}`;
  const canton = cantonErrorLine(output);
  const details: ErrorDetails & { kind: string } = {
    kind: 'console_failed',
    where: command,
    data: { exitCode: r.exitCode, script: path, stepsDone: steps.map((s) => s.id), ...(canton ? { cantonError: canton.code } : {}) },
  };
  if (r.timedOut) {
    throw new RemoteError(`the console script ${o.name} did not finish within ${Math.round((o.timeoutMs ?? CONSOLE_RUN_TIMEOUT_MS) / 1000)} s`, {
      ...details,
      hint: `See ${join(target.dir, 'console.log')}; the run can be resumed by running the same command again.`,
    });
  }
  const last = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const summary = canton ? `${canton.code}: ${canton.cause}` : (last.find((l) => /failed|error/i.test(l)) ?? last[0] ?? `exit ${r.exitCode}`);
  const hint =
    (canton && o.decode?.(canton)) ??
    (/Compilation Failed/.test(output)
      ? `canton-mpc rendered a script this Canton does not accept (${path}); if you override templates with --templates, check them.`
      : /UNAVAILABLE|Connection refused|io exception/i.test(output)
        ? 'The daemon is not reachable on its admin API: check `canton-mpc status`, then `canton-mpc up`.'
        : `See ${join(target.dir, 'console.log')} and the script ${path}.`);
  throw new RemoteError(`console script ${o.name} failed${steps.length ? ` after ${steps.map((s) => s.id).join(', ')}` : ''}: ${summary}`, { ...details, hint });
}
