// Helpers for the party e2e tests: a console script against a running project (through its own
// remote.conf and the installed release), the emulator's console-op log, and a JSON API submission.
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliProject } from './cli.js';

export async function consoleRun(p: CliProject, script: string): Promise<{ code: number; out: string; err: string }> {
  const st = p.state();
  const path = join(p.dir, `t${Math.random().toString(36).slice(2)}.canton`);
  writeFileSync(path, `val syncId = participant1.synchronizers.id_of("da")\n${script}`);
  const r = await execa(join(st.canton.home, 'bin', 'canton'), ['run', path, '-c', join(p.stateDir, 'config', 'remote.conf')], {
    cwd: p.dir, env: { ...p.env, JAVA_HOME: st.canton.javaHome }, extendEnv: false, reject: false,
  });
  return { code: r.exitCode ?? 1, out: String(r.stdout), err: String(r.stderr) };
}

export interface ConsoleOp { node: string; op: string; ok: boolean }
export function consoleOps(file: string): ConsoleOp[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ConsoleOp);
}
export const proposals = (ops: ConsoleOp[]): ConsoleOp[] => ops.filter((o) => o.op === 'participant.topology.p2p.propose');

/** submit-and-wait of one create on `port`, acting as `actAs` (ids). */
export async function submitCreate(port: number, actAs: string[], args: Record<string, unknown>, userId = 'issuer-user'): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`http://127.0.0.1:${port}/v2/commands/submit-and-wait`, {
    method: 'POST',
    body: JSON.stringify({ commands: [{ CreateCommand: { templateId: '#canton-mpc-poc:Vault:RequestDeposit', createArguments: args } }], commandId: `cmd-${Math.random().toString(36).slice(2)}`, actAs, userId }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}
