import type { Output } from './ui/output.js';
import type { ProcessRunner } from './system/process.js';

/** What every command receives from the entry point: flags, streams and the I/O adapters. */
export interface CommandContext {
  cwd: string;
  /** `--config`; undefined means "look in cwd". */
  configPath?: string;
  output: Output;
  /** `--yes`: never prompt (also implied when stdin is not a TTY or CI is set). */
  yes: boolean;
  env: NodeJS.ProcessEnv;
  runner: ProcessRunner;
  /** Aborted on SIGINT/SIGTERM so long waits stop promptly and clean up. */
  signal: AbortSignal;
}
