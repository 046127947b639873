import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/canton-mpc.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI as a real process in `cwd`, with a clean environment (no inherited config or cache). */
export function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` before the e2e tests');
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, CI: '1', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
