import { redact } from './redact.js';

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
  /** Whether stderr is an interactive terminal: progress is shown only then. */
  interactive: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface Progress {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

export interface Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly color: boolean;
  readonly interactive: boolean;
  /** Human information on stderr (suppressed in --json mode). */
  info(message: string): void;
  /** Warnings always go to stderr, even in --json mode. */
  warn(message: string): void;
  /** Only with --verbose. */
  debug(message: string): void;
  /** The command's result: human text on stdout, or one JSON document with --json. */
  result(human: string, json: unknown): void;
  /** One NDJSON event on stdout in --json mode (streaming commands); nothing otherwise. */
  event(event: Record<string, unknown>): void;
  /** A spinner on a TTY; a no-op elsewhere so CI logs stay clean. */
  progress(text: string): Progress;
  /** Style helpers that respect --no-color. */
  style: Style;
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const plain: Style = { bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s, yellow: (s) => s, cyan: (s) => s };

function ansi(open: number, close: number) {
  return (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
}
const colored: Style = {
  bold: ansi(1, 22),
  dim: ansi(2, 22),
  red: ansi(31, 39),
  green: ansi(32, 39),
  yellow: ansi(33, 39),
  cyan: ansi(36, 39),
};

const noProgress: Progress = { update() {}, succeed() {}, fail() {}, stop() {} };

/**
 * ora is loaded only when a spinner can be shown (an interactive stderr), so non-TTY runs and CI
 * pay nothing for it at start-up.
 */
export async function createOutput(opts: OutputOptions): Promise<Output> {
  const ora = opts.interactive && !opts.json ? (await import('ora')).default : undefined;
  return createOutputSync(opts, ora);
}

export function createOutputSync(opts: OutputOptions, ora?: OraFactory): Output {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const style = opts.color ? colored : plain;
  const err = (line: string) => stderr.write(`${redact(line)}\n`);
  return {
    json: opts.json,
    verbose: opts.verbose,
    color: opts.color,
    interactive: opts.interactive,
    style,
    info(message) {
      if (!opts.json) err(message);
    },
    warn(message) {
      err(`${style.yellow('warning:')} ${message}`);
    },
    debug(message) {
      if (opts.verbose) err(style.dim(message));
    },
    result(human, json) {
      if (opts.json) stdout.write(`${redact(JSON.stringify(json, null, 2))}\n`);
      else if (human) stdout.write(`${redact(human)}\n`);
    },
    event(event) {
      if (opts.json) stdout.write(`${redact(JSON.stringify(event))}\n`);
    },
    progress(text) {
      if (!ora) return noProgress;
      return startSpinner(ora, text, stderr);
    },
  };
}

type OraFactory = typeof import('ora').default;

function startSpinner(ora: OraFactory, initial: string, stream: NodeJS.WritableStream): Progress {
  const spinner = ora({ text: redact(initial), stream: stream as NodeJS.WriteStream }).start();
  return {
    update(t) {
      spinner.text = redact(t);
    },
    succeed(t) {
      spinner.succeed(t === undefined ? undefined : redact(t));
    },
    fail(t) {
      spinner.fail(t === undefined ? undefined : redact(t));
    },
    stop() {
      spinner.stop();
    },
  };
}
