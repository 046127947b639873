import { createReadStream, promises as fsp, watch } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { ExitCode, UserError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { readState } from '../state/state.js';
import { tailFile } from '../canton/daemon.js';
import { redact } from '../ui/redact.js';

export interface LogsOptions {
  follow?: boolean;
  lines?: string;
}

const FOLLOW_POLL_MS = 250;

export function logFileFor(which: string, stateDir: string): string {
  switch (which) {
    case 'canton':
      return join(stateDir, 'logs', 'canton.log');
    case 'signer':
      return join(stateDir, 'logs', 'signer.log');
    case 'postgres':
      return join(stateDir, 'logs', 'postgres.log');
    case 'stdout':
      return join(stateDir, 'logs', 'canton.out');
    default:
      throw new UserError(`unknown log "${which}"`, { where: 'logs <which>', hint: 'Use canton, signer, postgres or stdout (the daemon\'s console output).' });
  }
}

export async function run(ctx: CommandContext, opts: LogsOptions, which = 'canton'): Promise<number> {
  const n = Number(opts.lines ?? '100');
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--lines ${opts.lines} is not a number of lines`, { where: '--lines' });
  const { topology } = await loadProject({ cache: true, requireProject: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const state = await readState(topology.stateDir);
  const file = which === 'canton' && state?.canton ? state.canton.logFile : which === 'signer' && state?.signer ? state.signer.logFile : logFileFor(which, topology.stateDir);
  let size: number;
  try {
    size = (await fsp.stat(file)).size;
  } catch {
    throw new UserError(`no ${which} log yet (${file})`, { where: file, hint: 'It is written once `canton-mpc up` has started it.', exitCode: ExitCode.FAILURE, kind: 'no_log' });
  }
  // With --json every line is one NDJSON event, so a machine can follow the log as a stream.
  const emit = (line: string) =>
    ctx.output.json ? ctx.output.event({ log: which, file, line }) : process.stdout.write(`${redact(line)}\n`);
  for (const line of await tailFile(file, n)) emit(line);
  if (!opts.follow) return ExitCode.OK;

  // Follow: print what is appended; a truncated or rotated file is read again from its start.
  let offset = size;
  let partial = '';
  const pump = async () => {
    let st;
    try {
      st = await fsp.stat(file);
    } catch {
      return;
    }
    if (st.size < offset) offset = 0;
    if (st.size === offset) return;
    const stream = createReadStream(file, { start: offset, end: st.size - 1, encoding: 'utf8' });
    for await (const chunk of stream) partial += chunk as string;
    offset = st.size;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) emit(l);
  };
  const watcher = watch(file, { persistent: false }, () => void pump());
  const timer = setInterval(() => void pump(), FOLLOW_POLL_MS);
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(timer);
  watcher.close();
  return ExitCode.OK;
}
