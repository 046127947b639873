import { execa } from 'execa';
import { parse } from 'yaml';
import { CLI } from './cli.js';

/**
 * The CLI's own command table, read from its `--help` (commander's layout): every command path with
 * its options (and whether each takes a value) and its subcommands. Used to check documentation and
 * the GitHub Actions recipe against what the CLI really accepts.
 */
export interface CommandInfo {
  options: Map<string, boolean>;
  subcommands: string[];
  /** Positional arguments the usage line shows (`<version>`, `[which]`). */
  positionals: number;
}
export type CommandTable = Map<string, CommandInfo>;

function section(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.trim() === '') break;
    // Entries start with two spaces; continuation lines of a wrapped description with more.
    if (/^ {2}\S/.test(l)) out.push(l.trim());
  }
  return out;
}

export async function readCommandTable(path: string[] = []): Promise<CommandTable> {
  const { stdout } = await execa('node', [CLI, ...path, '--help']);
  const options = new Map<string, boolean>();
  for (const entry of section(stdout, 'Options')) {
    const spec = entry.split(/\s{2,}/)[0]!;
    const takesValue = /[<[]/.test(spec);
    for (const flag of spec.replace(/\s*[<[].*$/, '').split(/,\s*/)) options.set(flag.trim(), takesValue);
  }
  const subcommands = section(stdout, 'Commands')
    .map((e) => e.split(/\s+/)[0]!)
    .filter((c) => c !== 'help');
  const usage = /^Usage: .*$/m.exec(stdout)?.[0] ?? '';
  const positionals = (usage.replace(/\[options\]|\[command\]/g, '').match(/<[^>]+>|\[[^\]]+\]/g) ?? []).length;
  const table: CommandTable = new Map([[path.join(' '), { options, subcommands, positionals }]]);
  // Each --help is a process start: ask them side by side.
  for (const sub of await Promise.all(subcommands.map((c) => readCommandTable([...path, c])))) for (const [k, v] of sub) table.set(k, v);
  return table;
}

/** Shell-ish split of one command line (quotes kept together; `$VAR` and `${{ … }}` are values). */
function words(line: string): string[] {
  return line.match(/"[^"]*"|'[^']*'|\$\{\{[^}]*\}\}|\S+/g) ?? [];
}

/** Every `canton-mpc …` invocation in the workflow's `run:` steps, as word lists. */
export function cantonMpcInvocations(workflowYaml: string): string[][] {
  const doc = parse(workflowYaml) as { jobs?: Record<string, { steps?: Array<{ run?: string }> }> };
  const out: string[][] = [];
  for (const job of Object.values(doc.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (typeof step.run !== 'string') continue;
      for (const cmd of step.run.split(/\n|&&|\|\||;|\|/)) {
        const w = words(cmd.trim());
        // The command word itself (or after npx): not `npm install canton-mpc`.
        const at = w[0] === 'npx' ? 1 : 0;
        if (w[at] === 'canton-mpc' || w[at]?.endsWith('/canton-mpc') || w[at]?.endsWith('bin/canton-mpc.js')) out.push(w.slice(at + 1));
      }
    }
  }
  return out;
}

/** Problems with one invocation against the table: unknown command, unknown flag, missing value, extra argument. */
export function checkInvocation(args: string[], table: CommandTable): string[] {
  const root = table.get('')!;
  const problems: string[] = [];
  const path: string[] = [];
  let positionals = 0;
  const at = () => ['canton-mpc', ...path].join(' ');
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const here = table.get(path.join(' '))!;
    if (a.startsWith('-')) {
      const [flag, inline] = a.split('=', 2) as [string, string | undefined];
      const takes = here.options.get(flag) ?? root.options.get(flag);
      if (takes === undefined) problems.push(`${at()}: unknown option ${flag}`);
      else if (takes && inline === undefined) {
        if (args[i + 1] === undefined || args[i + 1]!.startsWith('-')) problems.push(`${at()}: ${flag} needs a value`);
        i++;
      }
      continue;
    }
    if (here.subcommands.includes(a) && positionals === 0) {
      path.push(a);
      continue;
    }
    if (here.subcommands.length > 0 && positionals === 0 && here.positionals === 0) {
      problems.push(`${at()}: unknown command ${a}`);
      continue;
    }
    positionals++;
    if (positionals > here.positionals) problems.push(`${at()}: unexpected argument ${a}`);
  }
  if (path.length === 0 && args.every((a) => a.startsWith('-'))) problems.push('canton-mpc without a command');
  return problems;
}
