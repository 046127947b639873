import type { CommandContext } from '../context.js';
import { ExitCode } from '../errors.js';
import { createDoctorDeps } from '../doctor/adapters.js';
import { doctorPassed, runDoctor, type CheckResult } from '../doctor/checks.js';
import { loadProjectFor } from '../doctor/project.js';
import type { Style } from '../ui/output.js';

interface Flags {
  javaHome?: string;
}

/** Never changes anything. Exit 0 when every required check passes (warnings allowed), else 1. */
export async function run(ctx: CommandContext, opts: Flags): Promise<number> {
  const { file, topology } = await loadProjectFor(ctx);
  const deps = createDoctorDeps({ env: ctx.env, runner: ctx.runner, javaHome: opts.javaHome });
  const checks = await runDoctor(topology, deps);
  const ok = doctorPassed(checks);
  ctx.output.result(formatChecks(checks, ctx.output.style, file), { ok, config: file ?? null, checks });
  return ok ? ExitCode.OK : ExitCode.FAILURE;
}

export function formatChecks(checks: CheckResult[], style: Style, file: string | undefined): string {
  const mark = { ok: style.green('ok  '), warn: style.yellow('warn'), fail: style.red('FAIL') };
  const w = Math.max(...checks.map((c) => c.title.length));
  const pad = ' '.repeat(w + 9);
  const lines = [`config: ${file ?? '(none: built-in defaults)'}`];
  for (const c of checks) {
    const [first, ...rest] = c.detail.split('\n');
    lines.push(`[${mark[c.status]}] ${c.title.padEnd(w)}  ${first}${c.status === 'fail' && !c.required ? ' (optional)' : ''}`);
    for (const r of rest) lines.push(`${pad}${r}`);
    if (c.fix && c.status !== 'ok') c.fix.split('\n').forEach((f, i) => lines.push(`${pad}${i === 0 ? style.cyan('fix: ') : '     '}${f}`));
  }
  const failed = checks.filter((c) => c.status === 'fail' && c.required).length;
  const warned = checks.filter((c) => c.status === 'warn' || (c.status === 'fail' && !c.required)).length;
  lines.push('', failed ? style.red(`${failed} required check${failed > 1 ? 's' : ''} failed${warned ? `, ${warned} warning${warned > 1 ? 's' : ''}` : ''}`) : style.green(`ready${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}`));
  return lines.join('\n');
}
