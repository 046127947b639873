// Command-line parsing that mirrors Canton 3.4.11's scopt parser (FACTS §1): same commands, same
// option names, same checks. Anything it does not know is a usage error with exit 1, like scopt.

export type Command = 'console' | 'daemon' | 'run' | 'generate' | 'sandbox';

export interface CliOptions {
  command: Command;
  script?: string;            // `run <file>`
  configFiles: string[];      // -c, in order (later wins)
  configKv: Array<[string, string]>; // -C, in order (first wins)
  bootstrap?: string;
  noTty: boolean;
  manualStart: boolean;
  logFileName: string;
  logLevelRoot?: string;
  logLevelCanton?: string;
  logLevelStdout: string;
  verbose: boolean;
  debug: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage: canton [daemon|run|generate|sandbox|sandbox-console] [options] <args>...

  -h, --help               Print usage and exit
  --version                Print versions and exit
  -c, --config <file1>,<file2>,...
                           configuration files (later files take precedence)
  -C, --config key-value's <key1>=<value1>,<key2>=<value2>...
                           configuration key value pairs
  -v, --verbose            Canton logger should be running in debug mode
  --debug                  Console/stdout should be running in debug mode
  --log-truncate           Truncate log file on startup
  --log-level-root <value> Log-level of the root logger
  --log-level-canton <value>
                           Log-level of the Canton logger
  --log-level-stdout <value>
                           Log-level of stdout
  --log-file-appender <value>
                           Type of log file appender: rolling (default), flat or off
  --log-file-name <value>  Name and location of log-file, default is log/canton.log
  --log-file-rolling-history <value>
  --log-file-rolling-pattern <value>
  --log-encoder <value>    plain or json
  --log-immediate-flush <value>
  --log-profile <value>
  --log-last-errors <value>
  --bootstrap <value>      Set a script to run on startup
  --no-tty                 Do not use a tty in the console
  --manual-start           Don't automatically start the nodes
  -D<property>=<value>     Set a JVM property value

Command: daemon
Start all nodes automatically and run them without having a console (REPL). Nodes can be controlled through the admin API.
Command: run <script>
Run a console script. Stop all nodes when the script has terminated.
Command: generate remote-config
Generate configurations.
`;

const VALUE_OPTS = new Set([
  '--log-level-root', '--log-level-canton', '--log-level-stdout', '--log-file-appender', '--log-file-name',
  '--log-file-rolling-history', '--log-file-rolling-pattern', '--log-encoder', '--log-immediate-flush',
  '--log-profile', '--log-last-errors', '--kms-log-file-name', '--kms-log-file-rolling-history',
  '--kms-log-file-rolling-pattern', '--kms-log-immediate-flush', '--bootstrap', '-c', '--config', '-C',
]);
const FLAG_OPTS = new Set(['--no-tty', '--manual-start', '-v', '--verbose', '--debug', '--log-truncate']);

/** Returns 'help' / 'version' for the early-exit options, otherwise the parsed options. */
export function parseArgs(argv: string[]): CliOptions | 'help' | 'version' {
  const o: CliOptions = {
    command: 'console', configFiles: [], configKv: [], noTty: false, manualStart: false,
    logFileName: 'log/canton.log', logLevelStdout: 'WARN', verbose: false, debug: false,
  };
  let commandSeen = false;
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let inline: string | undefined;
    // scopt accepts --opt=value for long options.
    if (a.startsWith('--') && a.includes('=')) { inline = a.slice(a.indexOf('=') + 1); a = a.slice(0, a.indexOf('=')); }
    if (a === '-h' || a === '--help') return 'help';
    if (a === '--version') return 'version';
    if (a.startsWith('-D')) continue; // the launcher normally strips these already
    if (VALUE_OPTS.has(a)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`Missing value after ${a}`);
      switch (a) {
        case '-c': case '--config': o.configFiles.push(...v.split(',').filter((s) => s !== '')); break;
        case '-C':
          for (const kv of v.split(',')) {
            const eq = kv.indexOf('=');
            if (eq <= 0) throw new UsageError(`Option -C expects key=value pairs, got: ${kv}`);
            o.configKv.push([kv.slice(0, eq), kv.slice(eq + 1)]);
          }
          break;
        case '--bootstrap': o.bootstrap = v; break;
        case '--log-file-name': o.logFileName = v; break;
        case '--log-level-root': o.logLevelRoot = v; break;
        case '--log-level-canton': o.logLevelCanton = v; break;
        case '--log-level-stdout': o.logLevelStdout = v; break;
        default: break; // accepted, no effect on the emulator
      }
      continue;
    }
    if (FLAG_OPTS.has(a)) {
      if (a === '--no-tty') o.noTty = true;
      else if (a === '--manual-start') o.manualStart = true;
      else if (a === '-v' || a === '--verbose') o.verbose = true;
      else if (a === '--debug') o.debug = true;
      continue;
    }
    if (a.startsWith('-')) throw new UsageError(`Unknown option ${a}`);
    if (!commandSeen) {
      commandSeen = true;
      if (a === 'daemon') { o.command = 'daemon'; continue; }
      if (a === 'run') {
        const s = argv[++i];
        if (s === undefined || s.startsWith('-')) throw new UsageError('Missing argument <script>');
        o.command = 'run'; o.script = s; continue;
      }
      if (a === 'generate') {
        const s = argv[++i];
        if (s !== 'remote-config') throw new UsageError('Missing argument remote-config');
        o.command = 'generate'; continue;
      }
      if (a === 'sandbox' || a === 'sandbox-console') throw new UsageError(`The emulator does not implement '${a}'`);
    }
    throw new UsageError(`Unknown argument '${a}'`);
  }
  if (o.configFiles.length === 0 && o.configKv.length === 0) {
    throw new UsageError('Error: Missing option --config');
  }
  return o;
}
