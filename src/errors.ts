/**
 * One error family. Everything a user can act on is a CantonMpcError with an exit code and a hint;
 * anything else reaching the top-level catch is a bug (InternalError).
 * Exit codes are documented in README.md ("Exit codes") and must stay stable.
 */
export const ExitCode = {
  OK: 0,
  /** A check failed: `doctor` found a required problem, `status` found something down. */
  FAILURE: 1,
  /** Bad command line: unknown flag, missing argument, conflicting options. */
  USAGE: 2,
  /** canton-mpc.yaml (or another input file) is invalid. */
  CONFIG: 3,
  /** A prerequisite is missing: JDK 21, the Canton release, PostgreSQL. */
  PREREQUISITE: 4,
  /** Canton or another process we drive failed (daemon exit, JSON API error, signer crash). */
  CANTON: 5,
  /** Something did not become ready in time. */
  TIMEOUT: 6,
  /** A download or archive failed verification (sha256 mismatch, corrupt archive). */
  INTEGRITY: 7,
  /**
   * canton-mpc refused an operation that is unsafe in the current state, before changing anything
   * (e.g. `party replicate` on a party with history, or onto a participant that is not connected).
   */
  REFUSED: 8,
  /** Interrupted by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
  /** A bug in canton-mpc. */
  INTERNAL: 70,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  /** Where the problem is: `file:line:col`, `--flag`, `POST http://…/v2/users`, a command line. */
  where?: string;
  /** How to fix it, one or two sentences. */
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable facts for `--json` output. */
  data?: Record<string, unknown>;
}

export class CantonMpcError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly where?: string;
  readonly hint?: string;
  readonly data?: Record<string, unknown>;
  /** A short stable identifier for `--json` consumers, e.g. `config_invalid`. */
  readonly kind: string;

  constructor(kind: string, message: string, exitCode: ExitCodeValue, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CantonMpcError';
    this.kind = kind;
    this.exitCode = exitCode;
    this.where = details.where;
    this.hint = details.hint;
    this.data = details.data;
  }
}

/** The user can fix this by changing input: flags, config, files. */
export class UserError extends CantonMpcError {
  constructor(message: string, details: ErrorDetails & { exitCode?: ExitCodeValue; kind?: string } = {}) {
    super(details.kind ?? 'user_error', message, details.exitCode ?? ExitCode.USAGE, details);
    this.name = 'UserError';
  }
}

/** One or more problems in a configuration file, each already located. */
export class ConfigError extends CantonMpcError {
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    const lines = issues.map((i) => formatConfigIssue(file, i));
    super('config_invalid', `${file} is invalid:\n${lines.map((l) => `  ${l}`).join('\n')}`, ExitCode.CONFIG, {
      where: file,
      hint: issues.find((i) => i.hint)?.hint,
      data: { issues: issues.map((i) => ({ ...i, file })) },
    });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export interface ConfigIssue {
  /** Dotted config path, e.g. `participants.participant2.ports.json`. */
  path: string;
  message: string;
  line?: number;
  column?: number;
  hint?: string;
}

export function formatConfigIssue(file: string, issue: ConfigIssue): string {
  const loc = issue.line ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
  const path = issue.path ? ` ${issue.path}:` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${loc}${path} ${issue.message}${hint}`;
}

/** Something the machine lacks: JDK 21, the Canton release, a Postgres server. */
export class PrerequisiteError extends CantonMpcError {
  constructor(message: string, details: ErrorDetails & { kind?: string } = {}) {
    super(details.kind ?? 'prerequisite_missing', message, ExitCode.PREREQUISITE, details);
    this.name = 'PrerequisiteError';
  }
}

/** A process or remote API we drive failed. */
export class RemoteError extends CantonMpcError {
  constructor(message: string, details: ErrorDetails & { kind?: string; exitCode?: ExitCodeValue } = {}) {
    super(details.kind ?? 'remote_failed', message, details.exitCode ?? ExitCode.CANTON, details);
    this.name = 'RemoteError';
  }
}

export class TimeoutError extends CantonMpcError {
  constructor(message: string, details: ErrorDetails & { kind?: string } = {}) {
    super(details.kind ?? 'timeout', message, ExitCode.TIMEOUT, details);
    this.name = 'TimeoutError';
  }
}

export class IntegrityError extends CantonMpcError {
  constructor(message: string, details: ErrorDetails & { kind?: string } = {}) {
    super(details.kind ?? 'integrity', message, ExitCode.INTEGRITY, details);
    this.name = 'IntegrityError';
  }
}

/** A bug: an invariant of canton-mpc itself did not hold. */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function isCantonMpcError(e: unknown): e is CantonMpcError {
  return e instanceof CantonMpcError;
}
