import { Command, CommanderError, Option } from 'commander';
import { ExitCode, InternalError, isCantonMpcError, UserError } from './errors.js';
import type { CommandContext } from './context.js';
import { createOutput, type Output } from './ui/output.js';
import { redact } from './ui/redact.js';
import { errorDocument, reportedErrors } from './ui/events.js';
import { decodeCantonText, formatDecoded } from './canton/errors-decode.js';
import { createProcessRunner } from './system/process.js';
import { VERSION } from './version.js';

interface GlobalFlags {
  config?: string;
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
  yes?: boolean;
}

/** A command module: `src/commands/<file>.ts` exporting `run(ctx, options, ...positionals)`. */
type CommandModule = { run: (ctx: CommandContext, opts: Record<string, unknown>, ...args: unknown[]) => Promise<number | void> };

const abort = new AbortController();
let output: Output | undefined;

/** Commands are imported only when invoked, so `--help` and `--version` stay fast. */
function lazy(file: string) {
  return async (...raw: unknown[]) => {
    const cmd = raw[raw.length - 1] as Command;
    const positionals = raw.slice(0, -2);
    const flags = cmd.optsWithGlobals() as GlobalFlags & Record<string, unknown>;
    const ctx = await makeContext(flags);
    const mod = (await import(`./commands/${file}.js`)) as CommandModule;
    const code = await mod.run(ctx, flags, ...positionals);
    if (typeof code === 'number') process.exitCode = code;
  };
}

async function makeContext(flags: GlobalFlags): Promise<CommandContext> {
  const color = flags.color !== false && !process.env.NO_COLOR && process.stderr.isTTY === true;
  output = await createOutput({
    json: Boolean(flags.json),
    verbose: Boolean(flags.verbose),
    color,
    // A pty nobody sized reports 0 columns, and a spinner there would redraw forever.
    interactive: process.stderr.isTTY === true && !process.env.CI && (process.stderr.columns ?? 0) > 0,
  });
  return {
    cwd: process.cwd(),
    configPath: flags.config,
    output,
    yes: Boolean(flags.yes) || !process.stdin.isTTY || Boolean(process.env.CI),
    env: process.env,
    runner: createProcessRunner(),
    signal: abort.signal,
  };
}

function buildProgram(): Command {
  const program = new Command('canton-mpc')
    .description('Stand up and operate a multi-node Canton 3.4 ledger for an off-chain MPC signer.')
    .version(VERSION, '-V, --version')
    .option('-c, --config <file>', 'project config (default: canton-mpc.yaml or canton-mpc.toml in the current directory)')
    .option('--json', 'machine-readable output on stdout')
    .option('--verbose', 'more detail, including stack traces of internal errors')
    .option('--no-color', 'no ANSI colors (also NO_COLOR=1)')
    .option('-y, --yes', 'never prompt; assume yes (implied when not on a TTY or when CI is set)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ canton-mpc init                      write a commented canton-mpc.yaml
  $ canton-mpc up                        install Canton, start the topology, create users, start the signer
  $ canton-mpc up --storage postgres --json
  $ canton-mpc status                    health of every node, parties, users and the signer
  $ canton-mpc logs canton -f
  $ canton-mpc down --wipe --yes

Exit codes: 0 ok, 1 check failed, 2 usage, 3 config invalid, 4 prerequisite missing,
5 Canton/remote failure, 6 timeout, 7 integrity (checksum), 8 refused as unsafe, 70 internal bug, 130 interrupted.`,
    );

  program
    .command('init')
    .description('write a commented default canton-mpc.yaml')
    .option('--force', 'overwrite an existing file')
    .option('--toml', 'write canton-mpc.toml instead')
    .action(lazy('init'));

  program
    .command('render')
    .description('render canton.conf, bootstrap.canton and remote.conf without starting anything')
    .addOption(new Option('--storage <kind>', 'override the storage of every node').choices(['memory', 'postgres']))
    .option('--out <dir>', 'output directory (default .canton-mpc/config)')
    .option('--templates <dir>', 'take canton.conf, bootstrap.canton or remote.conf templates from this directory')
    .action(lazy('render'));

  program
    .command('up')
    .description('start the whole topology (idempotent and resumable)')
    .addOption(new Option('--storage <kind>', 'override the storage of every node').choices(['memory', 'postgres']))
    .option('--timeout <duration>', 'readiness deadline, e.g. 90s, 5m', '5m')
    .option('--dry-run', 'print the plan and do nothing')
    .option('--java-home <dir>', 'JDK to run Canton with (21 preferred; 17 or newer)')
    .option('--events <file>', 'also write the NDJSON progress events to this file')
    .action(lazy('up'));

  program
    .command('down')
    .description('stop the signer, Canton and the embedded Postgres')
    .option('--wipe', 'also delete state, logs and Postgres data (asks unless --yes)')
    .option('--events <file>', 'also write the NDJSON progress events to this file')
    .action(lazy('down'));

  program.command('status').description('health of every node, parties, users and the signer').action(lazy('status'));

  program
    .command('logs')
    .description('show Canton or signer logs')
    .argument('[which]', 'canton | signer | postgres | stdout (the daemon console: bootstrap output)', 'canton')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many lines from the end', '100')
    .action(lazy('logs'));

  const users = program.command('users').description('Ledger API users');
  users
    .command('create')
    .description('create a user or converge its rights (nothing is duplicated)')
    .option('--participant <name>', 'participant that holds the user')
    .option('--user <id>', 'user id')
    .option('--party <name>', 'primary party (name from the config, or a full party id)')
    .option('--act-as <party...>', 'parties the user may act as (default: --party)')
    .option('--read-as <party...>', 'parties the user may read as (default: --party)')
    .option('--from-file <file>', 'create every user listed in a YAML file')
    .action(lazy('users-create'));
  users.command('list').description('users and their rights on every participant').option('--participant <name>').action(lazy('users-list'));

  program
    .command('token')
    .description('print a JWT for a Ledger API user (security: jwt*), e.g. for curl')
    .option('--user <id>', 'the user the token is for (sub)')
    .option('--participant <name>', 'participant the token is for (default: the user\'s)')
    .option('--lifetime <duration>', 'how long it lives, at most the max-token-lifetime (default 4m)')
    .option('--console', 'instead, rewrite the remote console\'s token file (remote.conf includes it)')
    .action(lazy('token'));
  program
    .command('rotate-certs')
    .description('reissue every node and client certificate from the kept CA (restart to apply)')
    .action(lazy('rotate-certs'));
  const party = program.command('party').description('party hosting: status and replication (Party Mobility runbook)');
  party
    .command('status')
    .description('hosts, permissions, threshold, kind, history of each party, and the workflow `party replicate` would take')
    .argument('[party]', 'a party name from canton-mpc.yaml (default: all of them)')
    .option('--templates <dir>', 'take party-*.canton templates from this directory')
    .action(lazy('party-status'));
  party
    .command('replicate')
    .description('host a party on one more participant (Workflow 1, or Workflow 2 with ACS export/import for a party with history)')
    .argument('<party>', 'a party name from canton-mpc.yaml, or a full party id')
    .option('--to <participant>', 'the participant that will also host the party')
    .option('--from <participant>', "the participant that hosts it and holds its namespace key (default: the party's participant)")
    .option('--permission <p>', 'submission | confirmation | observation (default: alsoHostedOn in the config, else submission)')
    .option('--threshold <n>', 'also set the confirmation threshold (propose with the full participant list)')
    .option('--dry-run', 'print the plan with done/pending and change nothing')
    .option('--plan-only', 'the same as --dry-run')
    .option('--resume', 'continue an interrupted replication (running the same command again does the same)')
    .option('--templates <dir>', 'take party-*.canton templates from this directory')
    .option('--events <file>', 'also write the NDJSON progress events to this file')
    .option('--key <file>', "external party: sign the party side with this Ed25519 private key (mode 0600)")
    .option('--sign-with-command <cmd>', 'external party: hand the proposal hash to this command (see README "External parties")')
    .option('--public-key <file>', 'with --sign-with-command: the public key it signs with')
    .action(lazy('party-replicate'));
  party
    .command('decentralize')
    .description('create a party owned by several participants with a threshold (Workflow 3), or --add/--remove an owner')
    .argument('<party>', 'the party id hint (a new party: its namespace is the owners\' decentralized one)')
    .option('--owners <list>', 'owner participants, comma-separated (default: parties.<name>.decentralized in canton-mpc.yaml)')
    .option('--threshold <n>', 'owners whose signatures authorize a change of the namespace')
    .option('--confirmation-threshold <n>', 'confirming hosts a transaction needs (default: --threshold)')
    .option('--permission <p>', 'confirmation | observation | submission (this one only with --confirmation-threshold 1): how the owners host it (default confirmation)')
    .option('--party-to-key', 'also map ProtocolOnly keys of the owners to the party (PartyToKey, deprecated in 3.5)')
    .option('--add <participant>', 'add an owner (and host): a threshold of the current owners plus it sign')
    .option('--remove <participant>', 'remove an owner (and host): a threshold of the current owners sign')
    .option('--dry-run', 'print the plan with done/pending and the console runs it needs; change nothing')
    .option('--templates <dir>', 'take party-*.canton templates from this directory')
    .action(lazy('party-decentralize'));
  party
    .command('allocate-external')
    .description("allocate an external party: its Ed25519 namespace key stays outside Canton (generated into .canton-mpc/secrets/, --key FILE, or --sign-with-command)")
    .argument('<name>', 'the party hint; the party id is NAME::<fingerprint of the key>')
    .option('--participant <p>', 'the participant that hosts it with Confirmation (default: the first participant)')
    .option('--key <file>', 'sign with this Ed25519 private key (PEM or DER PKCS#8, mode 0600) instead of generating one')
    .option('--sign-with-command <cmd>', 'hand each hash to this command (KMS/HSM wrapper; see README "External parties") instead of holding a key')
    .option('--public-key <file>', 'with --sign-with-command: the public key it signs with (PEM or DER)')
    .option('--dry-run', 'print the plan with done/pending and change nothing')
    .action(lazy('party-allocate-external'));

  const backup = program.command('backup').description('the target backups canton-mpc takes before an ACS import');
  backup.command('list').description('backups, and whether each may still be restored').action(lazy('backup-list'));
  backup
    .command('restore')
    .description('restore a backup whose import did not complete (a spent one is refused: ledger fork)')
    .argument('<backup>', 'its id from `backup list`, or its path')
    .action(lazy('backup-restore'));

  program
    .command('env')
    .description('endpoints, party ids, users and signer status of the running topology, as variables (for CI)')
    .addOption(new Option('--format <format>', 'output format (default dotenv; json with --json)').choices(['dotenv', 'json', 'github', 'shell']))
    .option('--with-tokens', 'include Ledger API tokens (masked with ::add-mask:: in GitHub format)')
    .action(lazy('env'));

  program
    .command('diagnostics')
    .description('one redacted archive of config, rendered files, journal, state, log tails, status, doctor and versions')
    .option('--out <file>', 'archive path (default canton-mpc-diagnostics-<time>.tar.gz)')
    .option('--lines <n>', 'last lines of every log to include', '1000')
    .action(lazy('diagnostics'));

  const metrics = program.command('metrics').description('Prometheus metrics of the Canton process');
  metrics
    .command('scrape-config')
    .description('print a Prometheus scrape_configs block for this project')
    .option('--job <name>', 'job_name in the block', 'canton-mpc')
    .action(lazy('metrics-scrape-config'));

  const canton = program.command('canton').description('the Canton release cache');
  canton
    .command('install')
    .description('download, verify and unpack a Canton release into the cache')
    .argument('[version]', 'Canton version (default: the configured one, else 3.4.11)')
    .option('--url <url>', 'download from this URL')
    .option('--file <tarball>', 'install from a local tarball (offline)')
    .option('--sha256 <hex>', 'expected sha256 of the tarball')
    .option('--trust-on-first-use', 'accept and record the hash seen when no checksum is known')
    .option('--force', 'reinstall even when present')
    .action(lazy('canton-install'));
  canton.command('list').description('installed and known releases').action(lazy('canton-list'));
  canton.command('remove').description('delete an installed release').argument('<version>').action(lazy('canton-remove'));
  canton.command('path').description('print the install directory of a release').argument('[version]').action(lazy('canton-path'));

  program
    .command('doctor')
    .description('check this machine: Node, JDK (17+, 21 tested), Canton release, memory, ports, Postgres, disk')
    .option('--java-home <dir>', 'JDK to check instead of discovering one')
    .action(lazy('doctor'));

  return program;
}

function printError(e: unknown): number {
  const out = output;
  const json = out?.json ?? process.argv.includes('--json');
  if (isCantonMpcError(e)) {
    // A streaming command already ended its NDJSON with this error as its `result` line.
    if (json && !reportedErrors.has(e)) {
      process.stdout.write(`${redact(JSON.stringify({ ok: false, error: errorDocument(e) }, null, 2))}\n`);
    }
    const lines = [`error: ${e.message}`];
    if (e.where && !e.message.includes(e.where)) lines.push(`  at: ${e.where}`);
    if (e.hint) lines.push(`  hint: ${e.hint}`);
    // Canton's own error codes in the message (a log tail, an API answer), with cause and fix.
    for (const d of decodeCantonText(e.message)) lines.push(`  ${formatDecoded(d)}`);
    if (out?.verbose && e.cause) lines.push(`  cause: ${String((e.cause as Error)?.stack ?? e.cause)}`);
    process.stderr.write(`${redact(lines.join('\n'))}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new InternalError(String(e));
  if (json && !reportedErrors.has(err)) process.stdout.write(`${redact(JSON.stringify({ ok: false, error: { kind: 'internal', message: err.message, exitCode: ExitCode.INTERNAL } }))}\n`);
  process.stderr.write(
    redact(
      `internal error: ${err.message}\n${out?.verbose ? `${err.stack}\n` : '  (run with --verbose for the stack trace)\n'}  This is a bug in canton-mpc ${VERSION}; please report it with the command you ran.\n`,
    ),
  );
  return ExitCode.INTERNAL;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    // A second Ctrl-C means "stop now", without waiting for cleanup.
    if (signals > 1) process.exit(ExitCode.INTERRUPTED);
    abort.abort(new UserError(`interrupted by ${sig}`, { exitCode: ExitCode.INTERRUPTED, kind: 'interrupted' }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      if (e.code === 'commander.executeSubCommandAsync') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    if (abort.signal.aborted && !isCantonMpcError(e)) return printError(abort.signal.reason);
    return printError(e);
  }
}

// The only process.exit: flush and leave with the mapped code. A pipe is written asynchronously on
// POSIX, so exiting with writes queued cut a long result short (`users list --json`, 1000 users, at
// ~200 KB): an empty write's callback runs once everything written before it is handed over.
const flushed = (s: NodeJS.WriteStream) => new Promise<void>((done) => void s.write('', () => done()));
// A reader that went away (`canton-mpc … | head`) is no reason to stop a command half-way: the rest of
// the output is dropped, the command finishes and exits with its own code.
for (const s of [process.stdout, process.stderr]) s.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE') throw e; });
const exit = (code: number) => void Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() => process.exit(code));
main(process.argv).then(exit, (e) => exit(printError(e)));
